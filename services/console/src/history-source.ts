import type { Outcome } from '@leadscore/calibration';
import type { BacktestHistory } from './draft-backtest.js';
import type { TopicHistoryRead } from './topic-history.js';

/** Where the history of a backtest came from, as the API and the page show it. */
export interface HistoryInfo {
  readonly source: 'file' | 'topics';
  /** Valid events in the history. */
  readonly events: number;
  readonly contacts: number;
  /** When the history was read (epoch ms). */
  readonly readAt: number;
  /** Lines or messages left out, by reason (file: BAD_LINE; topics: the scorer's dead-letter reasons). */
  readonly skipped: Readonly<Record<string, number>>;
  /** topics: the read stopped at CONSOLE_HISTORY_MAX_EVENTS before the end offsets. */
  readonly truncated: boolean;
  /** topics: the end offsets (exclusive) the read was bounded by, `topic:partition` → offset. */
  readonly ends?: Readonly<Record<string, number>>;
}

export interface LoadedHistory extends BacktestHistory {
  readonly info: HistoryInfo;
}

/** The history drafts are tested on. */
export interface HistorySource {
  readonly kind: HistoryInfo['source'];
  /** The history; `refresh` reads it again where that means something (the topics). */
  load(refresh: boolean): Promise<LoadedHistory>;
  /** The history if it is in memory already, without reading (the contact page's timeline). */
  loaded(): Promise<LoadedHistory | undefined>;
}

/** CONSOLE_HISTORY_FILE: read once at start-up (a file does not grow under a running console). */
export class FileHistorySource implements HistorySource {
  readonly kind = 'file';
  private readonly history: LoadedHistory;

  constructor(history: BacktestHistory, readAt: number) {
    const bad = history.events.badLines.length;
    this.history = {
      ...history,
      info: {
        source: 'file',
        events: history.events.events,
        contacts: history.events.byContact.size,
        readAt,
        skipped: bad > 0 ? { BAD_LINE: bad } : {},
        truncated: false,
      },
    };
  }

  async load(): Promise<LoadedHistory> {
    return this.history;
  }

  async loaded(): Promise<LoadedHistory | undefined> {
    return this.history;
  }
}

/**
 * CONSOLE_HISTORY_SOURCE=topics: the input topics, read to their end offsets on the first
 * backtest and kept until a backtest asks for a refresh. Requests arriving during a read share
 * it; a read that failed is not kept (the next request tries again).
 */
const PENDING = Symbol('pending');

export class TopicHistorySource implements HistorySource {
  readonly kind = 'topics';
  private current: Promise<LoadedHistory> | undefined;

  /** `readTopics` is `readTopicHistory` with its options (a function, so the caching is tested without Kafka). */
  constructor(
    private readonly readTopics: (receivedAt: number) => Promise<TopicHistoryRead>,
    private readonly outcomes: readonly Outcome[] | undefined,
    private readonly now: () => number,
  ) {}

  load(refresh: boolean): Promise<LoadedHistory> {
    if (!this.current || refresh) {
      const reading = this.read();
      this.current = reading;
      reading.catch(() => {
        if (this.current === reading) this.current = undefined;
      });
    }
    return this.current;
  }

  /** Only a read that finished: a contact page never waits for the topics. */
  async loaded(): Promise<LoadedHistory | undefined> {
    const current = this.current;
    if (!current) return undefined;
    const settled = await Promise.race([
      current.then(
        (h) => h,
        () => undefined,
      ),
      Promise.resolve(PENDING),
    ]);
    return settled === PENDING ? undefined : settled;
  }

  private async read(): Promise<LoadedHistory> {
    const readAt = this.now();
    const read = await this.readTopics(readAt);
    return {
      events: read.history,
      outcomes: this.outcomes,
      info: {
        source: 'topics',
        events: read.history.events,
        contacts: read.history.byContact.size,
        readAt,
        skipped: read.skipped,
        truncated: read.truncated,
        ends: read.ends,
      },
    };
  }
}
