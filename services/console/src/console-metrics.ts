import { ServiceMetrics } from '@leadscore/service-kit';

/** The console's Prometheus metrics. */
export class ConsoleMetrics extends ServiceMetrics {
  readonly requests = this.counter(
    'leadscore_console_requests_total',
    'HTTP requests answered, by route pattern and status code.',
    ['route', 'status'],
  );
  readonly requestDuration = this.histogram(
    'leadscore_console_request_duration_seconds',
    'Time to answer an HTTP request, by route pattern.',
    [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10],
    ['route'],
  );
  readonly publishes = this.counter('leadscore_console_publishes_total', 'Grids published from the console.');

  constructor(options: { defaultMetrics?: boolean } = {}) {
    super('leadscore_console_', options);
  }
}
