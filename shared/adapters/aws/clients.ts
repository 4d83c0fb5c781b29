/**
 * The SDK clients the adapters use, created on first use (never at import or port creation) so a
 * test can inject mocked ones and a Lambda pays only for the clients its handler touches.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';

export interface AwsClients {
  sagemaker: SageMakerClient;
  autoScaling: ApplicationAutoScalingClient;
  cloudWatch: CloudWatchClient;
  s3: S3Client;
  eventBridge: EventBridgeClient;
  sfn: SFNClient;
}

/** Lazy accessors: each client is built once, on the first call, unless one was injected. */
export interface AwsClientProvider {
  sagemaker(): SageMakerClient;
  autoScaling(): ApplicationAutoScalingClient;
  cloudWatch(): CloudWatchClient;
  s3(): S3Client;
  eventBridge(): EventBridgeClient;
  sfn(): SFNClient;
}

/**
 * @param injected clients to use as they are (tests pass aws-sdk-client-mock'd ones)
 * @param region Region for the clients created here; the SDK's own chain (AWS_REGION) when absent
 */
export function createClientProvider(injected: Partial<AwsClients> = {}, region?: string): AwsClientProvider {
  const made: Partial<AwsClients> = { ...injected };
  const options = region ? { region } : {};
  return {
    sagemaker: () => {
      made.sagemaker ??= new SageMakerClient(options);
      return made.sagemaker;
    },
    autoScaling: () => {
      made.autoScaling ??= new ApplicationAutoScalingClient(options);
      return made.autoScaling;
    },
    cloudWatch: () => {
      made.cloudWatch ??= new CloudWatchClient(options);
      return made.cloudWatch;
    },
    s3: () => {
      made.s3 ??= new S3Client(options);
      return made.s3;
    },
    eventBridge: () => {
      made.eventBridge ??= new EventBridgeClient(options);
      return made.eventBridge;
    },
    sfn: () => {
      made.sfn ??= new SFNClient(options);
      return made.sfn;
    },
  };
}
