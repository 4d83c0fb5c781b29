/**
 * The AWS backend of the workflow: every port of `shared/core/ports.ts` on the AWS SDK v3.
 * Creating the ports reads no environment, builds no client and cannot throw; each client is
 * built on first use and each setting is read on first use through a getter that throws
 * ConfigurationError naming the missing variable.
 */
import { ConfigurationError } from '../../core/errors';
import type { EvaluationDriverPort, WorkflowPorts } from '../../core/ports';
import { createArtifactStore } from './artifacts';
import { createCleanup } from './cleanup';
import { type AwsClientProvider, type AwsClients, createClientProvider } from './clients';
import { type AwsConfig, type AwsConfigValues, createAwsConfig } from './config';
import {
  createRecommenderEvaluationDriver,
  type RecommenderEvaluationOptions,
} from './evaluation-recommender';
import { createRunEvents } from './events';
import { createExecutions } from './executions';
import { readInvocationHistory } from './history';
import { createHosting } from './hosting';
import { createRecommenderJobs } from './jobs';
import { createMetrics } from './metrics';
import { createModelRegistry } from './registry';
import { createRunData } from './run-data';
import { createScaling } from './scaling';
import { createAwsTrafficHistory } from './traffic-history';

export type { AwsClients } from './clients';
export { AWS_ENV, type AwsConfig, type AwsConfigValues, createAwsConfig } from './config';
export { classifyAwsError, translateAwsError } from './errors';

/** Builds an evaluation driver from the shared clients and config (see EVALUATION_DRIVERS). */
export type EvaluationDriverFactory = (clients: AwsClientProvider, config: AwsConfig) => EvaluationDriverPort;

/**
 * The evaluation drivers available on AWS, by name. A second driver is added here (and selected
 * with `evaluationDriver`); the state machine and the handlers only see EvaluationDriverPort.
 */
export const EVALUATION_DRIVERS: Record<string, EvaluationDriverFactory> = {
  /** Inference Recommender Advanced job against the evaluation endpoint (the AWS sample). */
  'recommender-advanced': (clients, config) => createRecommenderEvaluationDriver(clients, config),
};

export const DEFAULT_EVALUATION_DRIVER = 'recommender-advanced';

export interface AwsPortsOptions {
  /** Clients to use instead of new ones (tests inject aws-sdk-client-mock'd clients). */
  clients?: Partial<AwsClients>;
  /** Region of the clients built here; by default the SDK's chain (AWS_REGION in Lambda). */
  region?: string;
  /** Settings given explicitly; anything absent is read from the environment on first use. */
  config?: Partial<AwsConfigValues>;
  /** Where settings are read from when not given (default process.env, read lazily). */
  env?: () => NodeJS.ProcessEnv;
  /** A driver name of EVALUATION_DRIVERS, or a factory for another driver. */
  evaluationDriver?: string | EvaluationDriverFactory;
  /** Options of the default Advanced-job driver. */
  recommenderEvaluation?: RecommenderEvaluationOptions;
}

/**
 * @example
 * // In a handler module (nothing is read until the first call):
 * const ports = createAwsPorts();
 * // In a test:
 * const ports = createAwsPorts({ clients: { sagemaker: new SageMakerClient({ region: 'us-east-1' }) },
 *   config: { roleArn: 'arn:aws:iam::123456789012:role/ir', artifactBucket: 'bucket' } });
 */
export function createAwsPorts(options: AwsPortsOptions = {}): WorkflowPorts {
  const clients = createClientProvider(options.clients, options.region);
  const config = createAwsConfig(options.config, options.env);
  const evaluation = createEvaluationDriver(clients, config, options);
  return {
    registry: createModelRegistry(clients),
    jobs: createRecommenderJobs(clients, config),
    metrics: createMetrics(clients),
    hosting: createHosting(clients, config),
    scaling: createScaling(clients),
    evaluation,
    cleanup: createCleanup(clients, evaluation),
    executions: createExecutions(clients),
    artifacts: createArtifactStore(clients, config),
    history: createAwsTrafficHistory(clients, readInvocationHistory),
    runData: createRunData(clients, config),
    events: createRunEvents(clients, config),
  };
}

/**
 * Resolves the driver lazily: an unknown name throws ConfigurationError on first use, not at
 * creation (creation must never throw).
 */
function createEvaluationDriver(
  clients: AwsClientProvider,
  config: AwsConfig,
  options: AwsPortsOptions,
): EvaluationDriverPort {
  let driver: EvaluationDriverPort | undefined;
  const resolve = (): EvaluationDriverPort => {
    if (driver) return driver;
    const choice = options.evaluationDriver ?? DEFAULT_EVALUATION_DRIVER;
    if (typeof choice === 'function') driver = choice(clients, config);
    else if (choice === DEFAULT_EVALUATION_DRIVER)
      driver = createRecommenderEvaluationDriver(clients, config, options.recommenderEvaluation);
    else {
      const factory = EVALUATION_DRIVERS[choice];
      if (!factory)
        throw new ConfigurationError(
          `unknown evaluation driver "${choice}": expected one of ${Object.keys(EVALUATION_DRIVERS).join(', ')}`,
        );
      driver = factory(clients, config);
    }
    return driver;
  };
  return {
    start: async (input) => resolve().start(input),
    describe: async (name) => resolve().describe(name),
    collectMetrics: async (name, input) => resolve().collectMetrics(name, input),
    stop: async (name) => resolve().stop(name),
  };
}
