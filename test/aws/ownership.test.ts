/**
 * Tags and ownership on the AWS adapters: every create sends the run's tags; a retried create that
 * meets "already exists" (the first attempt took effect, its response was lost) goes on only with
 * a resource that carries them; clean-up deletes only what carries them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateInferenceRecommendationsJobCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeInferenceRecommendationsJobCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { ownerTags } from '../../shared/core/ownership';
import { awsError, createMockedAws } from './mocks';
import { sageMakerArn } from './tagged-account';

const owner = {
  runId: 'abc123def4',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:scaleplan-prod',
};
const ownTags = ownerTags(owner).map((tag) => ({ Key: tag.key, Value: tag.value }));
const job = {
  jobName: 'churn-abc123def4-bench',
  modelPackageArn: sageMakerArn('model-package', 'churn/3'),
  instanceType: 'ml.c5.large',
  owner,
};

test('a Default job whose create took effect but whose response was lost is adopted on the retry', async (t) => {
  const aws = createMockedAws('ownership-lost-job');
  const jobArn = sageMakerArn('inference-recommendations-job', job.jobName);
  aws.sagemaker
    .on(CreateInferenceRecommendationsJobCommand)
    .rejectsOnce(awsError('InternalFailure', 'internal error', 500))
    .rejects(awsError('ResourceInUse', `Job with name ${job.jobName} already exists`));
  aws.sagemaker
    .on(DescribeInferenceRecommendationsJobCommand)
    .resolves({ JobArn: jobArn, JobName: job.jobName });
  aws.sagemaker.on(ListTagsCommand).resolves({ Tags: ownTags });

  await assert.rejects(aws.ports.jobs.startDefaultJob(job), { name: 'TransientAwsError' });
  const ref = await aws.ports.jobs.startDefaultJob(job);

  assert.deepEqual(ref, { kind: 'recommenderJob', name: job.jobName, arn: jobArn });
  const sent = aws.sagemaker
    .commandCalls(CreateInferenceRecommendationsJobCommand)
    .map((c) => c.args[0].input.Tags);
  assert.deepEqual(sent, [ownTags, ownTags], 'both attempts carry the run tags');
  aws.reset();
  aws.recorder.assertAllValid(t, 4);
});

test("a job of the run's name that carries another run's tags is refused, not adopted", async (t) => {
  const aws = createMockedAws('ownership-foreign-job');
  aws.sagemaker
    .on(CreateInferenceRecommendationsJobCommand)
    .rejects(awsError('ResourceInUse', `Job with name ${job.jobName} already exists`));
  aws.sagemaker
    .on(DescribeInferenceRecommendationsJobCommand)
    .resolves({ JobArn: sageMakerArn('inference-recommendations-job', job.jobName) });
  aws.sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'scaleplan:run-id', Value: 'someoneelse' }] });

  await assert.rejects(aws.ports.jobs.startDefaultJob(job), {
    name: 'AwsRequestError',
    message: /already exists and is not this run's .*tag scaleplan:run-id is "someoneelse"/,
  });
  aws.reset();
  aws.recorder.assertAllValid(t, 3);
});

test("clean-up with the run's owner deletes its own endpoint and leaves a foreign one of the same name", async (t) => {
  const aws = createMockedAws('ownership-cleanup');
  aws.sagemaker.on(DescribeEndpointCommand).callsFake((input: { EndpointName: string }) => ({
    EndpointName: input.EndpointName,
    EndpointArn: sageMakerArn('endpoint', input.EndpointName),
    EndpointStatus: 'InService',
  }));
  aws.sagemaker.on(ListTagsCommand).callsFake((input: { ResourceArn: string }) => ({
    Tags: input.ResourceArn.endsWith('/mine-eval') ? ownTags : [{ Key: 'team', Value: 'other' }],
  }));
  aws.sagemaker.on(DeleteEndpointCommand).resolves({});

  assert.equal(
    await aws.ports.cleanup.deleteResource({ kind: 'endpoint', name: 'mine-eval' }, owner),
    'deleted',
  );
  assert.equal(
    await aws.ports.cleanup.deleteResource({ kind: 'endpoint', name: 'theirs-eval' }, owner),
    'notOwned',
  );
  assert.deepEqual(
    aws.sagemaker.commandCalls(DeleteEndpointCommand).map((c) => c.args[0].input.EndpointName),
    ['mine-eval'],
  );
  aws.reset();
  aws.recorder.assertAllValid(t, 5);
});
