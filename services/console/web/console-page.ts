// The console page (bundled by esbuild into /app.js at start-up). Plain DOM, no framework: the
// server holds every rule (sheet model, validation, edits, backtest); the page keeps the draft
// YAML and shows what the server answers.

// A module (it is bundled as ESM and loaded with type="module"): its names do not clash with the
// window's globals (`status`, `name`, ...).
export {};

interface PlacedIssue {
  path: string;
  message: string;
  rule: number | null;
  column: string | null;
}
interface RuleRow {
  index: number;
  id: string;
  counts: string;
  cells: Record<string, string>;
  otherTiers: string;
}
interface GridTable {
  settings: { name: string; version: string; bounds: { min: string; max: string }; thresholds: { name: string; at: string }[] };
  rows: RuleRow[];
  issues: PlacedIssue[];
}

const COLUMNS: [string, string][] = [
  ['label', 'Label'],
  ['on', 'Counts events'],
  ['points', 'Points'],
  ['tier:1', '1+'],
  ['tier:2', '2+'],
  ['tier:5', '5+'],
  ['tier:10', '10+'],
  ['limit', 'Limit'],
  ['within', 'Window'],
];

const state = { key: sessionStorage.getItem('console-key') ?? '', role: '', draft: '', table: null as GridTable | null };

const $ = (id: string) => document.getElementById(id)!;
const el = (tag: string, attrs: Record<string, string> = {}, text = ''): HTMLElement => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
};

async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'x-api-key': state.key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json();
  if (!response.ok)
    throw Object.assign(new Error(json.error?.message ?? response.statusText), { body: json, status: response.status });
  return json as T;
}

function status(text: string): void {
  $('status').textContent = text;
}

function show(page: string): void {
  for (const name of ['grid', 'test', 'publish', 'feed', 'leaderboard', 'contact'])
    $(`page-${name}`).classList.toggle('hidden', name !== page);
  if (page === 'feed') void watchFeed();
  if (page === 'leaderboard') void renderLeaderboard();
  if (page === 'test') void renderTest();
  if (page === 'publish') void renderPublish();
}

async function edit(editBody: unknown): Promise<void> {
  try {
    const result = await api<{ yaml: string; table: GridTable }>('/api/draft/edit', { yaml: state.draft, edit: editBody });
    state.draft = result.yaml;
    state.table = result.table;
    renderGrid();
    status(result.table.issues.length === 0 ? 'Draft is valid' : `${result.table.issues.length} issue(s) in the draft`);
  } catch (error) {
    status((error as Error).message);
  }
}

function renderGrid(): void {
  const page = $('page-grid');
  page.replaceChildren();
  const table = state.table!;
  const editable = state.role === 'editor';
  const { settings } = table;
  page.append(el('h2', {}, `Grid ${settings.name}, version ${settings.version}`));
  const general = table.issues.filter((i) => i.rule === null);
  const settingsBox = el('p', { id: 'settings' });
  const settingInput = (label: string, path: string, value: string) => {
    const input = el('input', { 'data-setting': path, value }) as HTMLInputElement;
    input.disabled = !editable;
    input.addEventListener('change', () => void edit({ kind: 'setting', path, value: input.value }));
    settingsBox.append(`${label} `, input, ' ');
  };
  settingInput('Minimum', 'bounds.min', settings.bounds.min);
  settingInput('Maximum', 'bounds.max', settings.bounds.max);
  settings.thresholds.forEach((t, i) => settingInput(`Threshold ${t.name} at`, `thresholds.${i}.at`, t.at));
  page.append(settingsBox);
  for (const issue of general) page.append(el('p', { class: 'issue' }, `${issue.path || 'grid'}: ${issue.message}`));

  const grid = el('table', { id: 'rules' });
  const head = el('tr');
  for (const name of ['#', 'Rule', 'What it counts', ...COLUMNS.map(([, title]) => title), 'Other tiers', ''])
    head.append(el('th', {}, name));
  grid.append(head);
  for (const row of table.rows) {
    const tr = el('tr', { 'data-rule-id': row.id });
    tr.append(el('td', {}, String(row.index + 1)), el('td', {}, row.id), el('td', {}, row.counts));
    for (const [column] of COLUMNS) {
      const issues = table.issues.filter((i) => i.rule === row.index && i.column === column);
      const td = el('td', { 'data-rule': String(row.index), 'data-column': column });
      const input = el('input', { value: row.cells[column] ?? '' }) as HTMLInputElement;
      input.disabled = !editable;
      input.addEventListener('change', () => void edit({ kind: 'cell', rule: row.index, column, value: input.value }));
      td.append(input);
      if (issues.length > 0) td.classList.add('invalid');
      for (const issue of issues) td.append(el('div', { class: 'issue' }, issue.message));
      tr.append(td);
    }
    const rowIssues = table.issues.filter((i) => i.rule === row.index && i.column === null);
    const other = el('td', {}, row.otherTiers);
    for (const issue of rowIssues) other.append(el('div', { class: 'issue' }, `${issue.path}: ${issue.message}`));
    tr.append(other);
    const actions = el('td');
    if (editable) {
      const button = (text: string, body: unknown) => {
        const b = el('button', { type: 'button' }, text);
        b.addEventListener('click', () => void edit(body));
        actions.append(b);
      };
      if (row.index > 0) button('↑', { kind: 'moveRule', rule: row.index, direction: 'up' });
      if (row.index < table.rows.length - 1) button('↓', { kind: 'moveRule', rule: row.index, direction: 'down' });
      button('Remove', { kind: 'removeRule', rule: row.index });
    }
    tr.append(actions);
    grid.append(tr);
  }
  page.append(grid);
  if (editable) {
    const add = el('button', { type: 'button', id: 'add-rule' }, 'Add rule');
    add.addEventListener('click', () => void edit({ kind: 'addRule', id: `new-rule-${table.rows.length + 1}` }));
    page.append(add);
  }
  const download = el('a', { id: 'download', download: `${settings.name || 'grid'}.yaml` }, 'Download YAML');
  download.setAttribute('href', `data:text/yaml;charset=utf-8,${encodeURIComponent(state.draft)}`);
  page.append(el('h3', {}, 'YAML'), download, el('pre', { id: 'yaml' }, state.draft));
}

/** AUC and lift are null without outcomes: "n/a", not a 0 that reads as a grid finding no one. */
const pct = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
const lift = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));

interface GridSummary {
  grid: { name: string; version: number };
  contacts: number;
  converters: number;
  histogram: { from: number; to: number; contacts: number }[];
  deciles: { decile: number; lift: number | null; minScore: number; maxScore: number }[];
  auc: number | null;
  thresholds: { name: string; selected: number }[];
}
interface DiffEntry {
  contactId: string;
  liveScore: number;
  draftScore: number;
  live: { ruleId: string; points: number; count: number }[];
  draft: { ruleId: string; points: number; count: number }[];
}

interface HistoryInfo {
  source: 'file' | 'topics';
  events: number;
  contacts: number;
  readAt: number;
  skipped: Record<string, number>;
  truncated: boolean;
}

function historyLine(info: HistoryInfo): string {
  const skipped = Object.entries(info.skipped).map(([reason, n]) => `${n} ${reason}`);
  return (
    `History: ${info.events} events of ${info.contacts} contacts from ${info.source === 'topics' ? 'the input topics' : 'the history file'}, ` +
    `read at ${new Date(info.readAt).toISOString()}` +
    (skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : '') +
    (info.truncated ? '; cut at CONSOLE_HISTORY_MAX_EVENTS' : '')
  );
}

/** `refresh`: the console reads the input topics again (a file history is read once, at start-up). */
async function renderTest(refresh = false): Promise<void> {
  const page = $('page-test');
  page.replaceChildren(el('h2', {}, 'Test the draft against the live grid'));
  try {
    const result = await api<{
      history: HistoryInfo;
      withOutcomes: boolean;
      live: GridSummary;
      draft: GridSummary;
      mqlDiff: { threshold: string; gained: DiffEntry[]; lost: DiffEntry[]; gainedTotal: number; lostTotal: number };
    }>('/api/backtest', { yaml: state.draft, refresh });
    page.append(el('p', { id: 'history' }, historyLine(result.history)));
    if (result.history.source === 'topics') {
      const again = el('button', { type: 'button', id: 'refresh-history' }, 'Read the topics again');
      again.addEventListener('click', () => void renderTest(true));
      page.append(again);
    }
    const summary = el('table', { id: 'backtest-summary' });
    summary.append(el('tr'));
    summary.firstElementChild!.append(el('th', {}, ''), el('th', {}, 'Live'), el('th', {}, 'Draft'));
    const line = (name: string, live: string, draft: string) => {
      const tr = el('tr');
      tr.append(el('th', {}, name), el('td', {}, live), el('td', {}, draft));
      summary.append(tr);
    };
    line(
      'Grid',
      `${result.live.grid.name} v${result.live.grid.version}`,
      `${result.draft.grid.name} v${result.draft.grid.version}`,
    );
    line('Contacts', String(result.live.contacts), String(result.draft.contacts));
    line('ROC AUC', pct(result.live.auc), pct(result.draft.auc));
    for (const t of result.draft.thresholds) {
      const live = result.live.thresholds.find((x) => x.name === t.name);
      line(`At or above ${t.name}`, String(live?.selected ?? 'n/a'), String(t.selected));
    }
    result.draft.deciles.forEach((d, i) => line(`Decile ${d.decile} lift`, lift(result.live.deciles[i]?.lift), lift(d.lift)));
    page.append(summary);
    if (!result.withOutcomes) page.append(el('p', {}, 'No outcomes file: lift and AUC need CONSOLE_OUTCOMES_FILE.'));
    const hist = el('table', { id: 'distribution' });
    hist.append(el('tr'));
    hist.firstElementChild!.append(el('th', {}, 'Draft score from'), el('th', {}, 'to'), el('th', {}, 'contacts'));
    for (const bin of result.draft.histogram) {
      const tr = el('tr');
      tr.append(el('td', {}, String(bin.from)), el('td', {}, String(bin.to)), el('td', {}, String(bin.contacts)));
      hist.append(tr);
    }
    page.append(el('h3', {}, 'Distribution of draft scores'), hist);
    const diff = (title: string, id: string, entries: DiffEntry[], total: number) => {
      page.append(el('h3', {}, `${title} (${total})`));
      const t = el('table', { id });
      t.append(el('tr'));
      t.firstElementChild!.append(
        el('th', {}, 'Contact'),
        el('th', {}, 'Live'),
        el('th', {}, 'Draft'),
        el('th', {}, 'Draft breakdown'),
      );
      for (const e of entries) {
        const tr = el('tr', { 'data-contact': e.contactId });
        const breakdown = e.draft.map((c) => `${c.ruleId} ×${c.count}: ${c.points}`).join('; ');
        tr.append(
          el('td', {}, e.contactId),
          el('td', {}, String(e.liveScore)),
          el('td', {}, String(e.draftScore)),
          el('td', {}, breakdown),
        );
        t.append(tr);
      }
      page.append(t);
    };
    diff(
      `${result.mqlDiff.threshold} under the draft, not live`,
      'mql-gained',
      result.mqlDiff.gained,
      result.mqlDiff.gainedTotal,
    );
    diff(`${result.mqlDiff.threshold} live, not under the draft`, 'mql-lost', result.mqlDiff.lost, result.mqlDiff.lostTotal);
    status('Backtest done');
  } catch (error) {
    page.append(el('p', { class: 'issue' }, (error as Error).message));
  }
}

async function renderPublish(): Promise<void> {
  const page = $('page-publish');
  page.replaceChildren(el('h2', {}, 'Publish'));
  const live = await api<{ version: number; publishedBy: string | null }>('/api/live');
  page.append(
    el(
      'p',
      { id: 'live-version' },
      `Live grid: version ${live.version}${live.publishedBy ? `, published by ${live.publishedBy}` : ''}`,
    ),
  );
  if (state.role === 'editor') {
    const button = el('button', { type: 'button', id: 'publish' }, `Publish the draft as version ${live.version + 1}`);
    button.addEventListener('click', async () => {
      try {
        const result = await api<{ version: number; yaml: string }>('/api/publish', { yaml: state.draft });
        state.draft = result.yaml;
        state.table = (await api<{ table: GridTable }>('/api/draft/table', { yaml: state.draft })).table;
        renderGrid();
        status(`Published version ${result.version}`);
        await renderPublish();
      } catch (error) {
        status((error as Error).message);
      }
    });
    page.append(button);
  }
  page.append(el('h3', {}, 'Roll-out to the scorers'), el('p', { id: 'rollout' }, '…'));
  void watchRollout();
  const audit = await api<{ entries: { by: string; at: number; oldVersion: number; newVersion: number }[] }>('/api/audit');
  const t = el('table', { id: 'audit' });
  t.append(el('tr'));
  t.firstElementChild!.append(el('th', {}, 'When'), el('th', {}, 'Who'), el('th', {}, 'Versions'));
  for (const e of audit.entries) {
    const tr = el('tr');
    tr.append(el('td', {}, new Date(e.at).toISOString()), el('td', {}, e.by), el('td', {}, `${e.oldVersion} → ${e.newVersion}`));
    t.append(tr);
  }
  page.append(el('h3', {}, 'Audit'), t);
}

interface RolloutStatus {
  stage: 'waiting' | 'switching' | 'queueing' | 're-evaluating' | 'done';
  liveVersion: number;
  running: { name: string; version: number; generation: number } | null;
  scorers: { total: number; switched: number };
  pending: number;
}

const ROLLOUT_TEXT: Record<RolloutStatus['stage'], (r: RolloutStatus) => string> = {
  waiting: (r) => `Waiting for the scorers to pick version ${r.liveVersion} up`,
  switching: (r) => `Switching: ${r.scorers.switched} of ${r.scorers.total} scorers run version ${r.liveVersion}`,
  queueing: (r) => `Every scorer runs version ${r.liveVersion}; queueing every contact for re-evaluation`,
  're-evaluating': (r) => `Re-evaluating contacts under version ${r.liveVersion}: ${r.pending} to go`,
  done: (r) => `Done: every scorer runs version ${r.liveVersion} and every contact was re-evaluated`,
};

let rolloutTimer: number | undefined;

/** Shows the live grid's roll-out on the publish page, once a second until it is done. */
async function watchRollout(): Promise<void> {
  window.clearTimeout(rolloutTimer);
  const line = document.getElementById('rollout');
  if (!line) return;
  try {
    const rollout = await api<RolloutStatus>('/api/rollout');
    line.textContent = ROLLOUT_TEXT[rollout.stage](rollout);
    line.dataset.stage = rollout.stage;
    if (rollout.stage === 'done') return;
  } catch (error) {
    line.textContent = (error as Error).message;
  }
  rolloutTimer = window.setTimeout(() => void watchRollout(), 1000);
}

let watching = false;

/** Reads /api/feed's Server-Sent Events through fetch (EventSource cannot send the key header). */
async function watchFeed(): Promise<void> {
  if (watching) return;
  watching = true;
  try {
    const response = await fetch('/api/feed', { headers: { 'x-api-key': state.key } });
    if (!response.ok || !response.body) throw new Error((await response.json()).error?.message ?? response.statusText);
    $('feed-state').textContent = 'connected';
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n');
        if (data) addFeedRow(JSON.parse(data));
      }
    }
    $('feed-state').textContent = 'disconnected';
  } catch (error) {
    $('feed-state').textContent = (error as Error).message;
  }
  watching = false;
}

type FeedItem =
  | { kind: 'crossing'; contactId: string; threshold: string; direction: string; score: number; at: number }
  | { kind: 'score'; contactId: string; previousScore: number; score: number; at: number };

function addFeedRow(item: FeedItem): void {
  const tr = el('tr', { class: `feed-${item.kind}`, 'data-contact': item.contactId });
  const what =
    item.kind === 'crossing'
      ? `${item.threshold} ${item.direction === 'UP' ? 'reached' : 'left'}`
      : `score ${item.previousScore} → ${item.score}`;
  const who = el('td');
  who.append(contactLink(item.contactId));
  tr.append(el('td', {}, new Date(item.at).toISOString()), who, el('td', {}, what), el('td', {}, String(item.score)));
  $('feed').firstElementChild!.after(tr);
}

function contactLink(contactId: string): HTMLElement {
  const a = el('a', { href: '#', class: 'contact-link' }, contactId);
  a.addEventListener('click', (event) => {
    event.preventDefault();
    void renderContact(contactId);
  });
  return a;
}

async function renderLeaderboard(): Promise<void> {
  const page = $('page-leaderboard');
  page.replaceChildren(el('h2', {}, 'Leaderboard: top 20 %'));
  const board = await api<{ total: number; contacts: { rank: number; contactId: string; score: number }[] }>('/api/leaderboard');
  const t = el('table', { id: 'leaderboard' });
  t.append(el('tr'));
  t.firstElementChild!.append(el('th', {}, 'Rank'), el('th', {}, 'Contact'), el('th', {}, 'Score'));
  for (const c of board.contacts) {
    const tr = el('tr', { 'data-contact': c.contactId });
    const who = el('td');
    who.append(contactLink(c.contactId));
    tr.append(el('td', {}, String(c.rank)), who, el('td', {}, String(c.score)));
    t.append(tr);
  }
  page.append(el('p', {}, `${board.contacts.length} of ${board.total} scored contacts`), t);
}

interface ContactView {
  contactId: string;
  score: number;
  breakdown: { ruleId: string; label: string; count: number; points: number }[];
  thresholdsReached: { name: string }[];
  lifecycle: { stage: { stage: string } | null };
  recentChanges: { previousScore: number; score: number; evaluatedAt: number; cause: { kind: string } }[];
  timeline: { at: number; kind: 'event' | 'score' | 'stage'; what: string; detail: string }[];
}

async function renderContact(contactId: string): Promise<void> {
  show('contact');
  const page = $('page-contact');
  page.replaceChildren(el('h2', {}, `Contact ${contactId}`));
  try {
    const view = await api<ContactView>(`/api/contacts/${encodeURIComponent(contactId)}`);
    const reached = view.thresholdsReached.map((t) => t.name).join(', ') || 'none';
    page.append(
      el(
        'p',
        { id: 'contact-score' },
        `Score ${view.score}; thresholds reached: ${reached}; stage: ${view.lifecycle.stage?.stage ?? 'unknown'}`,
      ),
    );
    const t = el('table', { id: 'breakdown' });
    t.append(el('tr'));
    t.firstElementChild!.append(el('th', {}, 'Rule'), el('th', {}, 'Count'), el('th', {}, 'Points'));
    for (const c of view.breakdown) {
      const tr = el('tr', { 'data-rule-id': c.ruleId });
      tr.append(el('td', {}, c.label), el('td', {}, String(c.count)), el('td', {}, String(c.points)));
      t.append(tr);
    }
    const changes = el('table', { id: 'recent-changes' });
    changes.append(el('tr'));
    changes.firstElementChild!.append(el('th', {}, 'When'), el('th', {}, 'Change'), el('th', {}, 'Cause'));
    for (const c of view.recentChanges) {
      const tr = el('tr');
      tr.append(
        el('td', {}, new Date(c.evaluatedAt).toISOString()),
        el('td', {}, `${c.previousScore} → ${c.score}`),
        el('td', {}, c.cause.kind),
      );
      changes.append(tr);
    }
    const timeline = el('table', { id: 'timeline' });
    timeline.append(el('tr'));
    timeline.firstElementChild!.append(el('th', {}, 'When'), el('th', {}, 'What'), el('th', {}, ''), el('th', {}, 'Why'));
    for (const entry of view.timeline) {
      const tr = el('tr', { 'data-kind': entry.kind });
      tr.append(
        el('td', {}, new Date(entry.at).toISOString()),
        el('td', {}, { event: 'event', score: 'score', stage: 'stage' }[entry.kind]),
        el('td', {}, entry.what),
        el('td', {}, entry.detail),
      );
      timeline.append(tr);
    }
    page.append(
      el('h3', {}, 'Per-rule breakdown'),
      t,
      el('h3', {}, 'Recent score changes'),
      changes,
      el('h3', {}, 'Timeline: events, score changes, stage changes'),
      timeline,
    );
  } catch (error) {
    page.append(el('p', { class: 'issue' }, (error as Error).message));
  }
}

async function signIn(): Promise<void> {
  try {
    const me = await api<{ name: string; role: string }>('/api/me');
    state.role = me.role;
    sessionStorage.setItem('console-key', state.key);
    $('who').textContent = `${me.name} (${me.role})`;
    const live = await api<{ yaml: string; table: GridTable }>('/api/live');
    state.draft = live.yaml;
    state.table = live.table;
    $('nav').classList.remove('hidden');
    renderGrid();
    show('grid');
    status('Signed in');
  } catch (error) {
    status((error as Error).message);
  }
}

$('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  state.key = ($('key') as HTMLInputElement).value.trim();
  void signIn();
});
for (const button of document.querySelectorAll<HTMLButtonElement>('nav button')) {
  button.addEventListener('click', () => show(button.dataset['page']!));
}
if (state.key) void signIn();
