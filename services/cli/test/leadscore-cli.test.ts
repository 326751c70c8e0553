import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'services/cli/bin/leadscore.js');
const STARTER = 'deploy/grids/starter.yaml';
const SEED = 'deploy/grids/examples/seed-example.ndjson';
const BROKEN = 'deploy/grids/examples/broken.yaml';
const AT = '2026-03-10T00:00:00Z';
const ACCOUNTS_GRID = 'deploy/grids/examples/accounts.yaml';
const ACCOUNTS_EVENTS = 'deploy/grids/examples/accounts-example.ndjson';

function leadscore(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'leadscore-cli-'));
function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('leadscore CLI', () => {
  it('--help lists the commands', () => {
    const { code, stdout } = leadscore(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/grid/);
    expect(stdout).toMatch(/replay/);
  });

  describe('grid validate', () => {
    it('exit 0 and a summary for the starter grid', () => {
      const { code, stdout } = leadscore(['grid', 'validate', STARTER]);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(
        `${STARTER}: valid grid "starter" version 1: 14 rules (10 counting, 2 condition, 2 property); thresholds: MQL at 1000; bounds: -1000..5000`,
      );
    });

    it('says how many counting rules decay', () => {
      const text = readFileSync(join(ROOT, STARTER), 'utf8').replace(
        /( {2}- id: opt-out\n)/,
        '  - { id: fading, on: asset_downloaded, points: 100, decay: { every: 30d, by: 50% } }\n$1',
      );
      const { code, stdout } = leadscore(['grid', 'validate', file('decaying.yaml', text)]);
      expect(code).toBe(0);
      expect(stdout).toContain(': 15 rules (11 counting of which 1 decaying, 2 condition, 2 property);');
    });

    it('summarises several scores and the matrix', () => {
      const { code, stdout } = leadscore(['grid', 'validate', join(ROOT, 'deploy/grids/b2b.yaml')]);
      expect(code).toBe(0);
      expect(stdout).toContain('scores: engagement (MQL at 100), fit; matrix fit × engagement, qualified: A1, A2, B1');
    });

    it('exit 1 on dedupe.recent out of range, with its path', () => {
      const grid = file('recent-0.yaml', readFileSync(join(ROOT, STARTER), 'utf8') + '\ndedupe: { recent: 0 }\n');
      const { code, stderr } = leadscore(['grid', 'validate', grid]);
      expect(code).toBe(1);
      expect(stderr).toContain('dedupe.recent: 0 is not valid; expected a whole number from 1 to 1024');
    });

    it('exit 1 and every error with its path for a broken grid', () => {
      const { code, stdout, stderr } = leadscore(['grid', 'validate', BROKEN]);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderr.trim().split('\n');
      expect(lines[0]).toBe(`${BROKEN}: 12 errors`);
      expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual([
        'rules[0].tiers[1].atLeast',
        'rules[1].id',
        'rules[1].on',
        'rules[2].where.path.matches',
        'rules[2].within',
        'rules[3].when.all[0].rule',
        'rules[4]',
        'rules[4].exist',
        'rules[5].decay',
        'rules[5].decay.by',
        'thresholds[1].at',
        'version',
      ]);
    });

    it('summarises the accounts section, and reports its errors with their paths', () => {
      const ok = leadscore(['grid', 'validate', ACCOUNTS_GRID]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('; accounts by companyDomain: top 3 members + 2 rules, thresholds: MQA at 2000');
      const text = readFileSync(join(ROOT, ACCOUNTS_GRID), 'utf8')
        .replace('aggregate: { top: 3 }', 'aggregate: { top: 0 }')
        .replace('key: companyDomain', 'key: companyDomain\n  from: fit');
      const { code, stderr } = leadscore(['grid', 'validate', file('accounts-broken.yaml', text)]);
      expect(code).toBe(1);
      expect(stderr).toContain('accounts.aggregate.top: 0 is not valid; expected a whole number of members from 1 to 1000');
      expect(stderr).toContain('accounts.from: unknown score "fit"');
    });

    it('exit 1 for a missing file', () => {
      const { code, stderr } = leadscore(['grid', 'validate', 'nope.yaml']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^leadscore: cannot read nope\.yaml \(ENOENT\)/);
    });
  });

  describe('replay', () => {
    const golden = readFileSync(join(ROOT, 'deploy/grids/examples/seed-example.expected.ndjson'), 'utf8');
    const seedLine = JSON.parse(golden) as { score: number; crossings: unknown[] };

    it('the seed example: 1500 and a single MQL crossing, as JSON lines', () => {
      const { code, stdout, stderr } = leadscore(['replay', '--grid', STARTER, '--events', SEED, '--at', AT]);
      expect(code).toBe(0);
      expect(stdout).toBe(golden);
      expect(seedLine.score).toBe(1500);
      expect(seedLine.crossings).toHaveLength(1);
      expect(stderr).toMatch(
        /replayed 5 events of 1 contact at 2026-03-10T00:00:00.000Z with grid starter v1: 0 duplicates, 0 bad lines/,
      );
    });

    it('uses the starter grid by default, and reads stdin for "-"', () => {
      const { code, stdout } = leadscore(['replay', '--events', '-', '--at', AT], readFileSync(join(ROOT, SEED), 'utf8'));
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toEqual(seedLine);
    });

    it('--format table for people', () => {
      const { code, stdout } = leadscore(['replay', '--events', SEED, '--at', AT, '--format', 'table']);
      expect(code).toBe(0);
      expect(stdout).toContain('contact-seed  score 1500');
      expect(stdout).toMatch(/key-pages\s+Visits of the main pages\s+2\s+1000/);
      expect(stdout).toContain('crossed MQL (1000) up: score 1000, sequence 2, event seed-2');
    });

    it('bad lines go to stderr with line numbers, the rest is scored, exit 2; duplicates ignored', () => {
      const events = file(
        'mixed.ndjson',
        [
          '{"eventId":"a","contactId":"c2","type":"webinar_registered","occurredAt":"2026-03-01T10:00:00Z"}',
          'not json',
          '',
          '{"eventId":"b","contactId":"c1","type":"webinar_attended","occurredAt":"2026-03-01T10:00:00Z","properties":{"x":{}}}',
          '{"eventId":"c","contactId":"c1","type":"webinar_attended","occurredAt":"2027-01-01T00:00:00Z"}',
          '{"eventId":"d","contactId":"c1","type":"page_viewed","occurredAt":1772359200000,"properties":{"path":"/pricing"}}',
          '{"eventId":"d","contactId":"c1","type":"page_viewed","occurredAt":1772359200000,"properties":{"path":"/pricing"}}',
          '{"eventId":"e","contactId":"c1","type":"webinar_registered","occurredAt":"2026-03-02T10:00:00Z"}',
        ].join('\n'),
      );
      const { code, stdout, stderr } = leadscore(['replay', '--events', events, '--at', AT]);
      expect(code).toBe(2);
      const errors = stderr.split('\n').filter((l) => l.startsWith('line '));
      expect(errors).toEqual([
        expect.stringMatching(/^line 2: not valid JSON \(/),
        'line 4: properties.x: must be a string, number, boolean or null, got an object',
        'line 5: occurredAt: 2027-01-01T00:00:00.000Z is more than 24 h after now (2026-03-10T00:00:00.000Z); expected an event that already happened',
      ]);
      expect(stderr).toMatch(/replayed 4 events of 2 contacts .*: 1 duplicate, 3 bad lines/);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { contactId: string; score: number });
      expect(lines.map((l) => [l.contactId, l.score])).toEqual([
        ['c1', 700],
        ['c2', 200],
      ]);
    });

    it('with dedupe.recent 2: a re-send within 2 matching events is a duplicate, one beyond counts again', () => {
      const grid = file(
        'recent-2.yaml',
        'name: r\nversion: 1\ndedupe: { recent: 2 }\nrules:\n  - { id: views, on: page_viewed, points: 1 }\n',
      );
      const view = (id: string) =>
        `{"eventId":"${id}","contactId":"c1","type":"page_viewed","occurredAt":"2026-03-01T10:00:00Z"}`;
      const noise = '{"eventId":"n","contactId":"c1","type":"email_clicked","occurredAt":"2026-03-01T10:00:00Z"}';
      // a b a(duplicate: a is among the last 2) n(not matching) c d a(counts again: 2 matching since)
      const events = file(
        'recent-2.ndjson',
        ['a', 'b', 'a']
          .map(view)
          .concat(noise, ...['c', 'd', 'a'].map(view))
          .join('\n'),
      );
      const { code, stdout, stderr } = leadscore(['replay', '--grid', grid, '--events', events, '--at', AT]);
      expect(stderr).toMatch(/replayed 7 events of 1 contact .*: 1 duplicate, 0 bad lines/);
      expect(code).toBe(0);
      expect((JSON.parse(stdout.trim()) as { score: number }).score).toBe(5);
    });

    it('merges in file order: the anonymous history counts for the known contact, the merged id printed with mergedInto', () => {
      const line = (e: Record<string, unknown>) => JSON.stringify({ occurredAt: '2026-03-01T10:00:00Z', ...e });
      const events = file(
        'merges.ndjson',
        [
          line({ eventId: 'a1', contactId: 'anon-1', type: 'page_viewed', properties: { path: '/pricing' } }),
          line({ eventId: 'a2', contactId: 'anon-1', type: 'page_viewed', properties: { path: '/solutions' } }),
          line({ eventId: 'c1', contactId: 'c-42', type: 'webinar_registered' }),
          line({ eventId: 'm1', contactId: 'c-42', type: 'contact_merged', properties: { mergedFrom: 'anon-1' } }),
          line({ eventId: 'a3', contactId: 'anon-1', type: 'webinar_attended' }), // after the merge: counts for c-42
          line({ eventId: 'm1', contactId: 'c-42', type: 'contact_merged', properties: { mergedFrom: 'anon-1' } }), // again: nothing
          line({ eventId: 'm2', contactId: 'c-42', type: 'contact_merged', properties: { mergedFrom: 'c-42' } }), // bad
        ].join('\n'),
      );
      const { code, stdout, stderr } = leadscore(['replay', '--events', events, '--at', AT]);
      expect(code).toBe(2);
      expect(stderr).toContain('line 7: properties.mergedFrom: must differ from contactId');
      expect(stderr).toMatch(/replayed 6 events of 1 contact .*: 0 duplicates, 1 merge, 1 bad line/);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.map((l) => [l['contactId'], l['score'], l['mergedInto']])).toEqual([
        ['anon-1', undefined, 'c-42'],
        ['c-42', 1000 + 200 + 800, undefined],
      ]);
      expect(lines[0]!['crossings']).toEqual([
        expect.objectContaining({ threshold: 'MQL', direction: 'up', cause: { kind: 'event', eventId: 'a2' } }),
        expect.objectContaining({ threshold: 'MQL', direction: 'down', score: 0, cause: { kind: 'merge', eventId: 'm1' } }),
      ]);
      expect(lines[1]!['crossings']).toEqual([
        expect.objectContaining({ threshold: 'MQL', direction: 'up', score: 1200, cause: { kind: 'merge', eventId: 'm1' } }),
      ]);
      const table = leadscore(['replay', '--events', events, '--at', AT, '--format', 'table']).stdout;
      expect(table).toContain('anon-1  merged into c-42');
      expect(table).toContain('crossed MQL (1000) up: score 1200, sequence 2, merge m1');
    });

    it('a grid with several scores: every score, its groups and the grade, and crossings by score', () => {
      const events = [
        { eventId: 'a', contactId: 'c-1', type: 'demo_requested', occurredAt: '2026-03-09T10:00:00Z', properties: {} },
        { eventId: 'b', contactId: 'c-1', type: 'email_opened', occurredAt: '2026-03-09T10:01:00Z', properties: {} },
        {
          eventId: 'c',
          contactId: 'c-1',
          type: 'contact_updated',
          occurredAt: '2026-03-09T10:02:00Z',
          properties: { phone: '+1', companySize: 900 },
        },
      ];
      const eventsFile = file('b2b.ndjson', events.map((e) => JSON.stringify(e)).join('\n'));
      const grid = join(ROOT, 'deploy/grids/b2b.yaml');
      const json = leadscore(['replay', '--grid', grid, '--events', eventsFile, '--at', '2026-03-10T00:00:00Z']);
      expect(json.code).toBe(0);
      const line = JSON.parse(json.stdout.trim()) as Record<string, unknown>;
      expect(line['scores']).toEqual([
        { id: 'engagement', label: 'Engagement', score: 65, groups: [{ id: 'email', label: 'Email', value: 5 }] },
        { id: 'fit', label: 'Fit', score: 60 },
      ]);
      expect(line['grade']).toEqual({ grade: 'A2', row: 'A', column: '2', qualified: true });
      const table = leadscore([
        'replay',
        '--grid',
        grid,
        '--events',
        eventsFile,
        '--at',
        '2026-03-10T00:00:00Z',
        '--format',
        'table',
      ]);
      expect(table.stdout).toContain('c-1  engagement 65 (email 5), fit 60, grade A2 (qualified)');
      expect(table.stdout).toContain('crossed matrix qualified (1) up: score 1, sequence 5, event c');
    });

    it('exit 1 on an invalid grid, with its errors', () => {
      const { code, stderr } = leadscore(['replay', '--grid', BROKEN, '--events', SEED, '--at', AT]);
      expect(code).toBe(1);
      expect(stderr).toContain(`${BROKEN}: 12 error(s)`);
      expect(stderr).toContain('rules[2].within:');
    });

    it('exit 1 on a bad --at or --format', () => {
      expect(leadscore(['replay', '--events', SEED, '--at', 'tomorrow'])).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/--at "tomorrow" is not a time/),
      });
      expect(leadscore(['replay', '--events', SEED, '--format', 'xml'])).toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/--format "xml" is not known; expected json or table/),
      });
    });

    it('prints the final account scores after the contacts when the grid has an accounts section', () => {
      const { code, stdout, stderr } = leadscore(['replay', '--grid', ACCOUNTS_GRID, '--events', ACCOUNTS_EVENTS, '--at', AT]);
      expect(code).toBe(0);
      expect(stderr).toMatch(/replayed 10 events of 3 contacts and 2 accounts at .*: 1 duplicate, 0 bad lines/);
      const lines = stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { contactId?: string; accountId?: string; score: number; aggregate?: number });
      expect(lines.map((l) => [l.contactId ?? `account ${l.accountId}`, l.score])).toEqual([
        ['ann', 1000],
        ['bob', 500],
        ['cem', 1000],
        ['account acme.com', 3000],
        ['account globex.io', 0],
      ]);
      expect(lines[3]).toMatchObject({
        aggregate: 2500,
        members: 3,
        topMembers: [
          { contactId: 'ann', score: 1000 },
          { contactId: 'cem', score: 1000 },
          { contactId: 'bob', score: 500 },
        ],
        crossings: [{ threshold: 'MQA', direction: 'up', score: 2000, cause: { kind: 'account-event', eventId: 'a-1' } }],
      });
      const table = leadscore(['replay', '--grid', ACCOUNTS_GRID, '--events', ACCOUNTS_EVENTS, '--at', AT, '--format', 'table']);
      expect(table.stdout).toContain('account acme.com  score 3000  (aggregate 2500, 3 members)');
      expect(table.stdout).toContain('  top members: ann 1000, cem 1000, bob 500');
      expect(table.stdout).toContain('  rule enterprise (1000+ employees): 300');
      expect(table.stdout).toContain('  crossed MQA (2000) up: score 2000, sequence 4, account event a-1');
      expect(table.stdout.indexOf('account acme.com')).toBeGreaterThan(table.stdout.indexOf('cem  score 1000'));
    });

    it('exit 1 when --events is missing', () => {
      const { code, stderr } = leadscore(['replay']);
      expect(code).toBe(1);
      expect(stderr).toMatch(/required option '--events <file>' not specified/);
    });
  });
});
