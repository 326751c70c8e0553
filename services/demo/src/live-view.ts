import type { Consumer, Kafka } from 'kafkajs';
import type {
  AccountScoreChangedValue,
  AccountThresholdCrossedValue,
  AvroCodec,
  ScoreChangedValue,
  ThresholdCrossedValue,
  TopicNames,
} from '@leadscore/contracts';
import { AccountBoard } from './account-board.js';
import type { DemoProducerStats } from './demo-producer.js';
import { renderFrame, renderStatusLine, type ViewSnapshot } from './live-view-render.js';
import { ScoreBoard } from './score-board.js';
import { probeScorer, type ScorerProgress } from './scorer-metrics-probe.js';

const TTY_REFRESH_MS = 500;
const LINE_EVERY_MS = 1_000;
/** Without a TTY, an idle stream (nothing new) prints a line only this often. */
const IDLE_LINE_EVERY_MS = 10_000;
const RATE_WINDOW_MS = 3_000;

const ALT_SCREEN_ON = '\x1b[?1049h\x1b[?25l'; // alternate screen, hide the cursor
const ALT_SCREEN_OFF = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_SCREEN_END = '\x1b[J';

export interface LiveViewOptions {
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  readonly topics: TopicNames;
  readonly groupId: string;
  readonly output: NodeJS.WriteStream;
  /** A terminal: full-screen frame twice a second; otherwise one status line per second. */
  readonly tty: boolean;
  readonly producer: Readonly<DemoProducerStats>;
  readonly totalEvents: number;
  readonly scorerHttpPort: number;
  readonly prefix: string;
  readonly scorerLogFile: string;
  /** The console's address, shown under the view; null when it did not start. */
  readonly consoleUrl: string | null;
  /** The account service's outputs to show too; null when it does not run. */
  readonly accounts: LiveViewAccounts | null;
}

export interface LiveViewAccounts {
  /** The account threshold the view tells about (the grid's first: the MQA). */
  readonly threshold: { readonly name: string; readonly at: number };
  /** The demo's companies, listed from the start. */
  readonly companies: readonly string[];
  readonly logFile: string;
}

/**
 * Consumes score-changed and threshold-crossed (and, with the account service, the account
 * outputs) and shows them. It reads this run's topics from
 * the beginning: the topics are new for every run (see the prefix), so "from the beginning"
 * is exactly this run, and nothing the scorer wrote while the view was joining its group is lost.
 */
export class LiveView {
  readonly board = new ScoreBoard();
  readonly accountBoard: AccountBoard | null;
  private readonly consumer: Consumer;
  private readonly startedAt = Date.now();
  private readonly samples: { at: number; produced: number; changes: number }[] = [];
  private timers: NodeJS.Timeout[] = [];
  private scorer: ScorerProgress | null = null;
  private lastMessageAt = Date.now();
  private lastLine = { text: '', at: 0 };
  private screenOn = false;
  private stoppingSince: number | null = null;
  undecodable = 0;

  constructor(private readonly options: LiveViewOptions) {
    this.consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 200 });
    const { accounts } = options;
    this.accountBoard = accounts ? new AccountBoard(accounts.threshold.name, accounts.companies) : null;
  }

  async start(): Promise<void> {
    const { topics, codec } = this.options;
    const accounts = this.accountBoard;
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [
        topics.scoreChanged,
        topics.thresholdCrossed,
        ...(accounts ? [topics.accountScoreChanged, topics.accountThresholdCrossed] : []),
      ],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.lastMessageAt = Date.now();
        try {
          if (topic === topics.scoreChanged)
            this.board.applyScoreChanged(await codec.decode<ScoreChangedValue>('scoreChanged', message.value));
          else if (topic === topics.thresholdCrossed)
            this.board.applyThresholdCrossed(await codec.decode<ThresholdCrossedValue>('thresholdCrossed', message.value));
          else if (topic === topics.accountScoreChanged)
            accounts?.applyScoreChanged(await codec.decode<AccountScoreChangedValue>('accountScoreChanged', message.value));
          else
            accounts?.applyThresholdCrossed(
              await codec.decode<AccountThresholdCrossedValue>('accountThresholdCrossed', message.value),
            );
        } catch {
          this.undecodable += 1; // not ours to fix here; the view goes on
        }
      },
    });
    if (this.options.tty) {
      this.options.output.write(ALT_SCREEN_ON);
      this.screenOn = true;
    }
    this.timers.push(setInterval(() => void this.probe(), 1_000));
    this.timers.push(setInterval(() => this.refresh(), this.options.tty ? TTY_REFRESH_MS : LINE_EVERY_MS));
  }

  /**
   * The demo is stopping: elapsed time freezes, the terminal frame says so, and no more status
   * lines are printed (only the final summary). Outputs still count until `stop`.
   */
  markStopping(): void {
    this.stoppingSince ??= Date.now();
    this.refresh();
  }

  /** Waits until no output arrived for `quietMs` (the scorer's last outputs), at most `maxMs`. */
  async drain(quietMs = 700, maxMs = 3_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline && Date.now() - this.lastMessageAt < quietMs) await new Promise((r) => setTimeout(r, 100));
  }

  /** Stops refreshing, gives the terminal its screen back and leaves the consumer group. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.restoreScreen();
    await this.consumer.disconnect();
  }

  /** Leaves the alternate screen (also safe to call on the way out after a failure). */
  restoreScreen(): void {
    if (this.screenOn) this.options.output.write(ALT_SCREEN_OFF);
    this.screenOn = false;
  }

  snapshot(): ViewSnapshot {
    const now = Date.now();
    const { producer, totalEvents, prefix, scorerLogFile, consoleUrl, accounts } = this.options;
    this.samples.push({ at: now, produced: producer.produced, changes: this.board.scoreChanges });
    while (this.samples.length > 2 && now - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
    const oldest = this.samples[0]!;
    const seconds = Math.max(0.001, (now - oldest.at) / 1000);
    return {
      prefix,
      elapsedMs: (this.stoppingSince ?? now) - this.startedAt,
      stopping: this.stoppingSince !== null,
      produced: producer.produced,
      resent: producer.resent,
      totalEvents,
      streamFinished: producer.finished,
      producedPerSecond: now === oldest.at ? 0 : (producer.produced - oldest.produced) / seconds,
      scoreChanges: this.board.scoreChanges,
      changesPerSecond: now === oldest.at ? 0 : (this.board.scoreChanges - oldest.changes) / seconds,
      contactsScored: this.board.contactsScored,
      upCrossings: this.board.upCrossings,
      mergeUpCrossings: this.board.mergeUpCrossings,
      downCrossings: this.board.downCrossings,
      top: this.board.top(10),
      crossings: this.board.latestCrossings(),
      scorer: this.scorer,
      scorerLogFile,
      consoleUrl,
      accounts:
        accounts && this.accountBoard
          ? {
              threshold: accounts.threshold,
              standings: this.accountBoard.standings(),
              upCrossings: this.accountBoard.upCrossings,
              downCrossings: this.accountBoard.downCrossings,
              logFile: accounts.logFile,
            }
          : null,
    };
  }

  private async probe(): Promise<void> {
    this.scorer = (await probeScorer(this.options.scorerHttpPort)) ?? this.scorer;
  }

  private refresh(): void {
    const { output, tty } = this.options;
    const view = this.snapshot();
    if (tty) {
      const rows = output.rows ?? 40;
      const lines = renderFrame(view, output.columns ?? 80).slice(0, Math.max(1, rows - 1));
      output.write(`${HOME}${lines.join(`${CLEAR_LINE_END}\n`)}${CLEAR_LINE_END}\n${CLEAR_SCREEN_END}`);
      return;
    }
    if (this.stoppingSince !== null) return;
    const line = renderStatusLine(view);
    const news = line.replace(/^demo \S+/, '') !== this.lastLine.text.replace(/^demo \S+/, '');
    if (news || view.elapsedMs - this.lastLine.at >= IDLE_LINE_EVERY_MS) {
      output.write(`${line}\n`);
      this.lastLine = { text: line, at: view.elapsedMs };
    }
  }
}
