/** A message to produce. */
export interface OutputMessage {
  readonly key: string | Buffer | null;
  readonly value: Buffer;
  readonly headers?: Record<string, string | Buffer>;
}

export type OutputBatch = Map<string, OutputMessage[]>;

export function addOutput(batch: OutputBatch, topic: string, message: OutputMessage): void {
  const list = batch.get(topic);
  if (list) list.push(message);
  else batch.set(topic, [message]);
}
