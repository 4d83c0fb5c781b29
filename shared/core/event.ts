/**
 * EventBridge "SageMaker Model Package State Change" -> ScalingRequest. The model package is
 * reused as is (its versioned ARN is `detail.ModelPackageArn`); the traffic expectations come
 * from the package's CustomerMetadataProperties (keys `scaleplan:<field>`, documented in
 * docs/workflow.md) over the defaults of the deployment stage. Pure: when the event's detail
 * lacks the metadata, the handler describes the package through the registry port and passes
 * what it read here.
 */
import { z } from 'zod';
import { InvalidInputError, type Reason, UnsupportedEventError } from './errors';
import { toAwsName } from './naming';
import type { ModelPackageSummary } from './ports';
import type { ScalingRequestInput } from './request';

export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';

/** The part of the event the workflow reads; other fields are kept but ignored. */
export const ModelPackageStateChangeEventSchema = z
  .object({
    source: z.literal('aws.sagemaker'),
    'detail-type': z.literal(MODEL_PACKAGE_STATE_CHANGE),
    detail: z
      .object({
        ModelPackageArn: z.string().min(1),
        ModelPackageGroupName: z.string().optional(),
        ModelApprovalStatus: z.string().optional(),
        CustomerMetadataProperties: z.record(z.string(), z.string()).optional(),
        InferenceSpecification: z
          .object({ SupportedRealtimeInferenceInstanceTypes: z.array(z.string()).optional() })
          .loose()
          .optional(),
      })
      .loose(),
  })
  .loose();
export type ModelPackageStateChangeEvent = z.output<typeof ModelPackageStateChangeEventSchema>;

/**
 * Defaults of a deployment stage for requests built from events: everything a ScalingRequest
 * has except the model. Typically set per stage in the deployment (for example a smaller
 * `evaluation.maxIterations` in dev).
 */
export type RequestDefaults = Partial<Omit<ScalingRequestInput, 'model'>>;

/** The CustomerMetadataProperties keys read, each with the request field it sets. */
export const METADATA_KEYS = {
  name: 'scaleplan:name',
  instanceType: 'scaleplan:instanceType',
  minRps: 'scaleplan:minRps',
  maxRps: 'scaleplan:maxRps',
  growthFactor: 'scaleplan:growthFactor',
  pattern: 'scaleplan:pattern',
  goal: 'scaleplan:goal',
  latencyMs: 'scaleplan:latencyMs',
  latencyPercentile: 'scaleplan:latencyPercentile',
  maxIterations: 'scaleplan:maxIterations',
  allowedErrorRate: 'scaleplan:allowedErrorRate',
} as const;

/** True when `input` looks like a Model Package State Change event (to route NormalizeInput). */
export function isModelPackageStateChangeEvent(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const record = input as Record<string, unknown>;
  return record['detail-type'] === MODEL_PACKAGE_STATE_CHANGE && record.source === 'aws.sagemaker';
}

/**
 * Refuses an EventBridge event of another type (it has `detail-type` and `source` but is not a
 * Model Package State Change of aws.sagemaker): without this, its keys would be reported as
 * unknown fields of a ScalingRequest.
 * @throws UnsupportedEventError naming the event's detail-type and source
 */
export function assertSupportedEvent(input: unknown): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return;
  const record = input as Record<string, unknown>;
  if (!('detail-type' in record) && !('source' in record)) return;
  if (isModelPackageStateChangeEvent(input)) return;
  throw new UnsupportedEventError(
    `detail-type: unsupported event ${JSON.stringify(record['detail-type'])?.slice(0, 80)} from source ${JSON.stringify(record.source)?.slice(0, 80)}: scaleplan starts from "${MODEL_PACKAGE_STATE_CHANGE}" events of "aws.sagemaker" or from a ScalingRequest; narrow the EventBridge rule's pattern`,
  );
}

/** True when the event's detail carries no `scaleplan:` metadata, so the package must be described. */
export function eventNeedsDescribe(event: ModelPackageStateChangeEvent): boolean {
  const metadata = event.detail.CustomerMetadataProperties ?? {};
  return !Object.keys(metadata).some((key) => key.startsWith('scaleplan:'));
}

function parseNumber(metadata: Record<string, string>, key: string): number | undefined {
  const raw = metadata[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value))
    throw new InvalidInputError(`model package metadata ${key}="${raw}" is not a number`);
  return value;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Builds the ScalingRequest input (before schema validation) for an event. Precedence per field:
 * CustomerMetadataProperties, then (instance type only) the package's first supported real-time
 * instance type, then the stage defaults. The name defaults to the package group's name.
 *
 * @example
 * // metadata { 'scaleplan:minRps': '70', 'scaleplan:maxRps': '500', 'scaleplan:latencyMs': '10000' },
 * // defaults { instanceType: 'ml.c5.large', goal: 'balanced' }
 * // -> { model: { kind: 'modelPackage', modelPackageArn }, instanceType: 'ml.c5.large',
 * //      traffic: { minRps: 70, maxRps: 500 }, latencySlo: { ms: 10000 }, goal: 'balanced', ... }
 * @throws InvalidInputError when a metadata number does not parse.
 */
export function requestFromModelPackageEvent(
  event: ModelPackageStateChangeEvent,
  options: { described?: ModelPackageSummary; defaults: RequestDefaults },
): { value: ScalingRequestInput; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const detail = event.detail;
  const metadata = {
    ...(options.described?.customerMetadataProperties ?? {}),
    ...(detail.CustomerMetadataProperties ?? {}),
  };
  const defaults = options.defaults;
  const found = Object.values(METADATA_KEYS).filter((key) => metadata[key] !== undefined);
  reasons.push({
    code: 'metadataRead',
    message:
      found.length > 0
        ? `read ${found.join(', ')} from the model package's CustomerMetadataProperties`
        : 'the model package carries no scaleplan: metadata; using the stage defaults only',
  });

  const supportedTypes =
    detail.InferenceSpecification?.SupportedRealtimeInferenceInstanceTypes ??
    options.described?.supportedRealtimeInstanceTypes ??
    [];
  const instanceType = metadata[METADATA_KEYS.instanceType] ?? supportedTypes[0] ?? defaults.instanceType;
  if (instanceType === undefined)
    throw new InvalidInputError(
      `no instance type for ${detail.ModelPackageArn}: set ${METADATA_KEYS.instanceType} in its CustomerMetadataProperties, list one in SupportedRealtimeInferenceInstanceTypes, or set a stage default`,
    );

  const groupName = detail.ModelPackageGroupName ?? options.described?.modelPackageGroupName;
  const name =
    metadata[METADATA_KEYS.name] ?? (groupName !== undefined ? toAwsName(groupName, 32) : defaults.name);

  const rawGoal = metadata[METADATA_KEYS.goal];
  const goal =
    rawGoal === undefined
      ? defaults.goal
      : rawGoal === 'availability' || rawGoal === 'balanced' || rawGoal === 'cost'
        ? rawGoal
        : parseNumber(metadata, METADATA_KEYS.goal);

  const pattern = metadata[METADATA_KEYS.pattern];
  const percentile = metadata[METADATA_KEYS.latencyPercentile];
  const traffic = {
    ...(defaults.traffic ?? {}),
    ...definedOnly({
      minRps: parseNumber(metadata, METADATA_KEYS.minRps),
      maxRps: parseNumber(metadata, METADATA_KEYS.maxRps),
      growthFactor: parseNumber(metadata, METADATA_KEYS.growthFactor),
      pattern: pattern as 'spiky' | 'smooth' | undefined,
    }),
  };
  const latencySlo = {
    ...(defaults.latencySlo ?? {}),
    ...definedOnly({
      ms: parseNumber(metadata, METADATA_KEYS.latencyMs),
      percentile: percentile as 'P95' | 'P99' | undefined,
    }),
  };
  const evaluation = {
    ...(defaults.evaluation ?? {}),
    ...definedOnly({
      maxIterations: parseNumber(metadata, METADATA_KEYS.maxIterations),
      allowedErrorRate: parseNumber(metadata, METADATA_KEYS.allowedErrorRate),
    }),
  };

  const value = {
    ...defaults,
    ...definedOnly({ name, goal }),
    model: { kind: 'modelPackage', modelPackageArn: detail.ModelPackageArn },
    instanceType,
    traffic,
    latencySlo,
    evaluation,
  } as ScalingRequestInput;
  reasons.push({
    code: 'modelPackageReused',
    message: `evaluating model package ${detail.ModelPackageArn} (approval status ${detail.ModelApprovalStatus ?? options.described?.modelApprovalStatus ?? 'unknown'}) on ${instanceType}`,
  });
  return { value, reasons };
}
