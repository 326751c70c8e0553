import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PartitionLag } from '../src/partition-lag.js';

async function series(registry: Registry): Promise<string[]> {
  const [metric] = await registry.getMetricsAsJSON();
  return metric!.values.map((v) => `${JSON.stringify(v.labels)} ${v.value}`).sort();
}

describe('PartitionLag', () => {
  it('keeps the last lag per partition; forgetting drops only its own series of a shared gauge', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'lag', help: 'lag', labelNames: ['stage', 'topic', 'partition'], registers: [registry] });
    const members = new PartitionLag(gauge, { stage: 'members' });
    const accounts = new PartitionLag(gauge, { stage: 'accounts' });
    members.set('score-changed', 0, 40);
    members.set('score-changed', 0, 7);
    members.set('contact-updates', 1, 3);
    accounts.set('account-members', 0, 12);

    expect(await series(registry)).toEqual([
      '{"stage":"accounts","topic":"account-members","partition":"0"} 12',
      '{"stage":"members","topic":"contact-updates","partition":"1"} 3',
      '{"stage":"members","topic":"score-changed","partition":"0"} 7',
    ]);

    // the members group rebalanced: its partitions may be elsewhere now, the accounts group's are not
    members.forget();
    expect(await series(registry)).toEqual(['{"stage":"accounts","topic":"account-members","partition":"0"} 12']);
    members.set('score-changed', 2, 0);
    expect(await series(registry)).toEqual([
      '{"stage":"accounts","topic":"account-members","partition":"0"} 12',
      '{"stage":"members","topic":"score-changed","partition":"2"} 0',
    ]);
  });

  it('works without fixed labels (one consumer per gauge, as the scorer)', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'lag', help: 'lag', labelNames: ['topic', 'partition'], registers: [registry] });
    const lag = new PartitionLag(gauge);
    lag.set('behavioural-events', 3, 5);
    expect(await series(registry)).toEqual(['{"topic":"behavioural-events","partition":"3"} 5']);
    lag.forget();
    expect(await series(registry)).toEqual([]);
  });
});
