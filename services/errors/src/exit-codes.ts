/**
 * Exit codes of every service, so an orchestrator's restart history says what went wrong:
 * 1 a runtime failure (or a dependency that could not be reached: trying again may help),
 * 2 the configuration or the grid is invalid, 3 Kafka, Redis or the registry refused the
 * credentials or the certificate (trying again will not help until the configuration changes).
 */
export const EXIT_CODES = { stopped: 0, failed: 1, invalidConfig: 2, refused: 3 } as const;
export type ExitCodeValue = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
