// cluster-key-slot (an ioredis dependency) ships no types.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot of a key (0..16383), honouring `{hash tags}`. */
  export default function calculateSlot(key: string | Buffer): number;
}
