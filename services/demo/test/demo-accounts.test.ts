import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGrid, replayEvents } from '@leadscore/engine';
import { DEMO_COMPANIES, seatCompanies } from '../src/demo-companies.js';
import { DEMO_GRID_PARTS, demoGridText, writeDemoGrid } from '../src/demo-grid.js';
import { REPO_ROOT } from '../src/demo-config.js';
import { generateEvents } from '../src/synthetic-events.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

describe('the demo grid', () => {
  it('is the starter grid, named demo, with the accounts section of its own file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'leadscore-demo-grid-')), 'demo-grid.yaml');
    const demo = await writeDemoGrid(REPO_ROOT, file);
    expect(demo).toMatchObject({ file, accountKey: 'companyDomain', mqa: { name: 'MQA', at: 6000 } });
    const written = loadGrid(await readFile(file, 'utf8'));
    const starter = loadGrid(await readFile(join(REPO_ROOT, DEMO_GRID_PARTS.starter), 'utf8'));
    expect(written.name).toBe('demo');
    expect({ ...written, name: starter.name, accounts: undefined }).toEqual(starter);
    expect(written.accounts).toMatchObject({
      key: 'companyDomain',
      aggregate: { top: 3 },
      thresholds: [{ name: 'MQA', at: 6000 }],
    });
    // more than one contact can score: no single person makes an MQA
    expect(demo.mqa.at).toBeGreaterThan(starter.bounds!.max!);
  });

  it('refuses an accounts part that makes no valid grid', () => {
    expect(() => demoGridText('name: starter\nversion: 1\nrules: []\n', 'accounts: { key: companyDomain }\n')).toThrow(
      /aggregate/,
    );
    expect(() =>
      demoGridText(
        'name: starter\nversion: 1\nrules: [{ id: a, on: x, points: 1 }]\n',
        'accounts: { key: companyDomain, aggregate: { top: 3 } }\n',
      ),
    ).toThrow(/threshold/);
  });
});

describe('the demo companies', () => {
  it('seats each member once, among the eligible contacts, the first companies first', () => {
    const seats = seatCompanies(42, 30);
    const members = DEMO_COMPANIES.reduce((sum, c) => sum + c.members.length, 0);
    expect(seats).toHaveLength(members);
    expect(new Set(seats.map((s) => s.contact)).size).toBe(members);
    expect(seats.every((s) => s.contact < 30)).toBe(true);
    expect(seatCompanies(42, 30)).toEqual(seats);
    expect(seatCompanies(42, 5).map((s) => s.domain)).toEqual(Array(4).fill('acme.example').concat('globex.example'));
  });

  it('leaves the stream without companies when no key is given', () => {
    const events = generateEvents({ seed: 42, contacts: 100, now: NOW });
    expect(events.some((e) => 'companyDomain' in e.properties)).toBe(false);
  });

  // Whatever the seed and the population, and from early in the stream: acme.example's buying
  // committee makes it an MQA, the others never are (what docs/demo.md promises).
  it.each([
    [42, 300],
    [42, 100],
    [1, 100],
    [7, 300],
    [12345, 100],
  ])('seed %i, %i contacts: acme.example becomes an MQA early and stays one, the others never do', async (seed, contacts) => {
    const { text, grid } = demoGridText(
      await readFile(join(REPO_ROOT, DEMO_GRID_PARTS.starter), 'utf8'),
      await readFile(join(REPO_ROOT, DEMO_GRID_PARTS.accounts), 'utf8'),
    );
    expect(text).toContain('name: demo');
    const events = generateEvents({ seed, contacts, now: NOW, companyKey: 'companyDomain' });
    const profiles = events.filter((e) => 'companyDomain' in e.properties);
    expect(new Set(profiles.map((e) => e.contactId)).size).toBe(seatCompanies(seed, Math.ceil(contacts * 0.3)).length);
    expect(profiles.every((e) => e.type === 'contact_updated')).toBe(true);

    const replay = async (share: number) => {
      const lines = events.slice(0, Math.floor(events.length * share)).map((e) => JSON.stringify(e));
      const result = await replayEvents(grid, lines, NOW);
      expect(result.badLines).toEqual([]);
      return new Map(result.accounts.map((a) => [a.accountId, a]));
    };
    const early = await replay(0.15);
    expect(early.get('acme.example')?.crossings.map((c) => `${c.threshold}:${c.direction}`)).toEqual(['MQA:up']);
    const end = await replay(1);
    expect(end.get('acme.example')!.crossings.map((c) => `${c.threshold}:${c.direction}`)).toEqual(['MQA:up']);
    expect(end.get('acme.example')!.members).toBe(4);
    for (const other of ['globex.example', 'initech.example']) {
      expect(end.get(other)?.crossings ?? [], other).toEqual([]);
      expect(end.get(other)?.score ?? 0, other).toBeLessThan(6000);
    }
    // globex.example's hot lead is an MQL on its own
    expect(end.get('globex.example')!.topMembers[0]!.score).toBeGreaterThanOrEqual(1000);
  });
});
