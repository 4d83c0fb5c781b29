/**
 * aws-sdk-client-mock'd clients wired into the real AWS ports, with a contract recorder that
 * collects every request sent so a file's last test can check them all against botocore.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type AwsPortsOptions, createAwsPorts } from '../../shared/adapters/aws';
import type { WorkflowPorts } from '../../shared/core/ports';
import { ContractRecorder } from '../contract/recorder';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/scaleplan-sagemaker`;
export const BUCKET = 'scaleplan-artifacts-test';

/** Static credentials so the SDK never looks for real ones (the mocks answer before signing). */
const clientConfig = { region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };

export function createMockedAws(label: string, options: Omit<AwsPortsOptions, 'clients'> = {}) {
  const clients = {
    sagemaker: new SageMakerClient(clientConfig),
    autoScaling: new ApplicationAutoScalingClient(clientConfig),
    cloudWatch: new CloudWatchClient(clientConfig),
    s3: new S3Client(clientConfig),
    eventBridge: new EventBridgeClient(clientConfig),
    sfn: new SFNClient(clientConfig),
  };
  const sagemaker = mockClient(clients.sagemaker);
  const autoScaling = mockClient(clients.autoScaling);
  const cloudWatch = mockClient(clients.cloudWatch);
  const s3 = mockClient(clients.s3);
  const eventBridge = mockClient(clients.eventBridge);
  // No execution of the state machine runs unless a test says so (ListExecutions answers none).
  const sfn = mockClient(clients.sfn);
  const recorder = new ContractRecorder(label)
    .watch('sagemaker', sagemaker)
    .watch('application-autoscaling', autoScaling)
    .watch('cloudwatch', cloudWatch)
    .watch('s3', s3)
    .watch('events', eventBridge)
    .watch('sfn', sfn);
  const ports: WorkflowPorts = createAwsPorts({
    config: { roleArn: ROLE_ARN, artifactBucket: BUCKET },
    env: () => ({}),
    ...options,
    clients,
  });
  return {
    clients,
    sagemaker,
    autoScaling,
    cloudWatch,
    s3,
    eventBridge,
    sfn,
    recorder,
    ports,
    /** Harvests the calls for the contract check, then resets every mock. */
    reset(): void {
      recorder.harvest();
      for (const mock of [sagemaker, autoScaling, cloudWatch, s3, eventBridge, sfn]) mock.reset();
      recorder.afterReset();
    },
  };
}

/** An SDK-like service exception: what the SDK throws for an error response. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  const error = new Error(message) as Error & { $metadata: unknown; $fault: string };
  error.name = name;
  error.$metadata = { httpStatusCode };
  error.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  return error;
}
