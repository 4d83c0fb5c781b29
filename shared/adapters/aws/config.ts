/**
 * Configuration of the AWS adapters, read lazily: nothing is read from the environment when the
 * ports are created (a Lambda's cold start, a test importing the module), only on first use, and
 * a missing value throws ConfigurationError naming the variable.
 */
import { ConfigurationError } from '../../core/errors';

/** The environment variables the AWS adapters read (set by serverless.yml on every function). */
export const AWS_ENV = {
  /** IAM role passed to SageMaker (CreateModel) and Inference Recommender (RoleArn). */
  roleArn: 'SCALEPLAN_SAGEMAKER_ROLE_ARN',
  /** S3 bucket that receives recommendation.json. */
  artifactBucket: 'SCALEPLAN_ARTIFACT_BUCKET',
  /** Key prefix inside the bucket (default "recommendations"). */
  artifactPrefix: 'SCALEPLAN_ARTIFACT_PREFIX',
  /** EventBridge bus of the run's Ready/Failed events, a name or an ARN (default "default"). */
  eventBusName: 'SCALEPLAN_EVENT_BUS',
} as const;

/** Default key prefix of the artifacts in the bucket. */
export const DEFAULT_ARTIFACT_PREFIX = 'recommendations';

/** The account's default event bus, where the run's events go unless SCALEPLAN_EVENT_BUS names another. */
export const DEFAULT_EVENT_BUS_NAME = 'default';

export interface AwsConfigValues {
  roleArn: string;
  artifactBucket: string;
  artifactPrefix: string;
  eventBusName: string;
}

/** Typed getters; each throws ConfigurationError naming the variable when it is missing. */
export interface AwsConfig {
  roleArn(): string;
  artifactBucket(): string;
  artifactPrefix(): string;
  eventBusName(): string;
}

const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** PutEvents' EventBusName (botocore events model: 1..1600, a name or an event-bus ARN). */
const EVENT_BUS_PATTERN =
  /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[.\-_A-Za-z0-9]+$/;

/**
 * Builds the getters over explicit values (tests) falling back to an environment, read at call
 * time. `env` defaults to `process.env`, looked up only when a getter runs.
 *
 * @example
 * const config = createAwsConfig({ artifactBucket: 'my-bucket' });
 * config.artifactBucket(); // 'my-bucket'
 * config.roleArn(); // reads SCALEPLAN_SAGEMAKER_ROLE_ARN, or throws ConfigurationError naming it
 */
export function createAwsConfig(
  values: Partial<AwsConfigValues> = {},
  env: () => NodeJS.ProcessEnv = () => process.env,
): AwsConfig {
  const read = (key: keyof typeof AWS_ENV): string | undefined => {
    const explicit = values[key];
    if (explicit !== undefined) return explicit;
    const fromEnv = env()[AWS_ENV[key]];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const required = (key: keyof typeof AWS_ENV, pattern: RegExp, what: string): string => {
    const value = read(key);
    if (value === undefined)
      throw new ConfigurationError(`${AWS_ENV[key]} is not set: it must name the ${what}`);
    if (!pattern.test(value))
      throw new ConfigurationError(`${AWS_ENV[key]}="${value}" is not a valid ${what}`);
    return value;
  };
  return {
    roleArn: () =>
      required('roleArn', ROLE_ARN_PATTERN, 'IAM role ARN for SageMaker and Inference Recommender'),
    artifactBucket: () => required('artifactBucket', BUCKET_PATTERN, 'S3 bucket for recommendations'),
    artifactPrefix: () => (read('artifactPrefix') ?? DEFAULT_ARTIFACT_PREFIX).replace(/^\/+|\/+$/g, ''),
    eventBusName: () => {
      const value = read('eventBusName') ?? DEFAULT_EVENT_BUS_NAME;
      if (value.length > 1600 || !EVENT_BUS_PATTERN.test(value))
        throw new ConfigurationError(
          `${AWS_ENV.eventBusName}="${value}" is not an EventBridge bus name or ARN (letters, digits, '.', '-', '_')`,
        );
      return value;
    },
  };
}
