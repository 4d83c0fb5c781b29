/**
 * The tags of a fake account, for tests over createMockedAws: every resource keeps the tags of
 * the create that made it (read back from the mocks' call history), and the Describe* and
 * ListTags calls the ownership checks send are answered from them. Resources seeded with
 * `seed` belong to someone else (another run, another team) and must survive.
 */
import {
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandInput,
  ListTagsForResourceCommand as ListTargetTagsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  ListTagsForResourceCommand as ListAlarmTagsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceRecommendationsJobCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageGroupCommand,
  ListTagsCommand,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import { ACCOUNT, awsError, type createMockedAws, REGION } from './mocks';

type MockedAws = ReturnType<typeof createMockedAws>;

export const sageMakerArn = (type: string, name: string) =>
  `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${type}/${name.toLowerCase()}`;
export const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
export const targetArn = (resourceId: string) =>
  `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/${resourceId.replaceAll('/', '-')}`;

/** The SageMaker ARN (and its tags) each create in the call history made. */
function createdBySageMaker(aws: MockedAws): Map<string, Tag[]> {
  const made = new Map<string, Tag[]>();
  const add = (arn: string, tags: Tag[] | undefined) => {
    if (!made.has(arn)) made.set(arn, tags ?? []);
  };
  for (const call of aws.sagemaker.calls()) {
    const command = call.args[0] as unknown as { input: Record<string, unknown> };
    const input = command.input as Record<string, string> & { Tags?: Tag[] };
    if (command instanceof CreateModelCommand) add(sageMakerArn('model', input.ModelName ?? ''), input.Tags);
    if (command instanceof CreateEndpointConfigCommand)
      add(sageMakerArn('endpoint-config', input.EndpointConfigName ?? ''), input.Tags);
    if (command instanceof CreateEndpointCommand)
      add(sageMakerArn('endpoint', input.EndpointName ?? ''), input.Tags);
    if (command instanceof CreateModelPackageGroupCommand)
      add(sageMakerArn('model-package-group', input.ModelPackageGroupName ?? ''), input.Tags);
    if (command instanceof CreateModelPackageCommand)
      add(sageMakerArn('model-package', `${input.ModelPackageGroupName}/1`), input.Tags);
    if (command instanceof CreateInferenceRecommendationsJobCommand)
      add(sageMakerArn('inference-recommendations-job', input.JobName ?? ''), input.Tags);
  }
  return made;
}

/**
 * Answers the ownership calls from the creates the run sent and from `seeded`: SageMaker ListTags
 * (by ARN, lower-cased names as SageMaker writes them), DescribeModel, DescribeEndpointConfig and
 * DescribeModelPackageGroup (their ARN), DescribeScalableTargets with the ARN, and both
 * ListTagsForResource. Call after the fake's own create answers are installed.
 */
export function playTags(aws: MockedAws) {
  /** Foreign resources: ARN -> tags. */
  const seeded = new Map<string, Tag[]>();
  const tagsOf = (arn: string): Tag[] | undefined => seeded.get(arn) ?? createdBySageMaker(aws).get(arn);
  aws.sagemaker.on(ListTagsCommand).callsFake((input: { ResourceArn: string }) => {
    const tags = tagsOf(input.ResourceArn.toLowerCase());
    if (!tags) throw awsError('ValidationException', `Could not find resource ${input.ResourceArn}`);
    return { Tags: tags };
  });
  aws.sagemaker
    .on(DescribeModelCommand)
    .callsFake((input: { ModelName: string }) => ({ ModelArn: sageMakerArn('model', input.ModelName) }));
  aws.sagemaker.on(DescribeEndpointConfigCommand).callsFake((input: { EndpointConfigName: string }) => ({
    EndpointConfigArn: sageMakerArn('endpoint-config', input.EndpointConfigName),
  }));
  aws.sagemaker
    .on(DescribeModelPackageGroupCommand)
    .callsFake((input: { ModelPackageGroupName: string }) => ({
      ModelPackageGroupArn: sageMakerArn('model-package-group', input.ModelPackageGroupName),
    }));
  const targetTags = () => {
    const made = new Map<string, Record<string, string>>();
    for (const call of aws.autoScaling.commandCalls(RegisterScalableTargetCommand)) {
      const input = call.args[0].input;
      const arn = targetArn(input.ResourceId ?? '');
      if (!made.has(arn)) made.set(arn, input.Tags ?? {});
    }
    return made;
  };
  aws.autoScaling
    .on(DescribeScalableTargetsCommand)
    .callsFake((input: DescribeScalableTargetsCommandInput) => ({
      ScalableTargets: (input.ResourceIds ?? []).map((ResourceId) => ({
        ServiceNamespace: 'sagemaker',
        ResourceId,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 1,
        MaxCapacity: 2,
        RoleARN: 'arn:role',
        CreationTime: new Date(),
        ScalableTargetARN: targetArn(ResourceId),
      })),
    }));
  aws.autoScaling
    .on(ListTargetTagsCommand)
    .callsFake((input: { ResourceARN: string }) => ({ Tags: targetTags().get(input.ResourceARN) ?? {} }));
  aws.cloudWatch.on(ListAlarmTagsCommand).callsFake((input: { ResourceARN: string }) => {
    const put = aws.cloudWatch
      .commandCalls(PutMetricAlarmCommand)
      .find((call) => alarmArn(call.args[0].input.AlarmName ?? '') === input.ResourceARN);
    return { Tags: seeded.get(input.ResourceARN) ?? put?.args[0].input.Tags ?? [] };
  });
  return {
    /** Marks a resource as someone else's, with these tags (none: untagged). */
    seed(arn: string, tags: Tag[] = []) {
      seeded.set(arn.toLowerCase(), tags);
    },
  };
}
