/**
 * Every Lambda function of the workflow by its key (the serverless.yml function key, the folder
 * name and the Task's `Fn::GetAtt`), as a factory over one ports object: the local backend and
 * the tests wire all handlers to the same ports with `handlerFactories[key](ports)`. The sweeper
 * is no Task: an EventBridge rule on the execution's end invokes it (OUTSIDE_THE_DEFINITION).
 */

import type { WorkflowHandler } from '../shared/contract/handler';
import type { WorkflowPorts } from '../shared/core/ports';
import { createCleanupHandler } from './cleanup/handler';
import { createCreateModelPackageHandler } from './createModelPackage/handler';
import { createDeployEndpointHandler } from './deployEndpoint/handler';
import { createDeriveThresholdsHandler } from './deriveThresholds/handler';
import { createJudgeHandler } from './judge/handler';
import { createNormalizeInputHandler } from './normalizeInput/handler';
import { createPollEndpointHandler } from './pollEndpoint/handler';
import { createPollEvaluationHandler } from './pollEvaluation/handler';
import { createPollJobHandler } from './pollJob/handler';
import { createPublishFailureEventHandler } from './publishFailureEvent/handler';
import { createReadHistoryHandler } from './readHistory/handler';
import { createRegisterPoliciesHandler } from './registerPolicies/handler';
import { createResetEndpointHandler } from './resetEndpoint/handler';
import { createRunEvaluationHandler } from './runEvaluation/handler';
import { createSearchPoliciesBatchHandler } from './searchPoliciesBatch/handler';
import { createSearchPoliciesPlanHandler } from './searchPoliciesPlan/handler';
import { createSearchPoliciesReduceHandler } from './searchPoliciesReduce/handler';
import { createSimulatePoliciesHandler } from './simulatePolicies/handler';
import { createStartRecommenderHandler } from './startRecommender/handler';
import { createSweeperHandler } from './sweeper/handler';
import { createTunePoliciesHandler } from './tunePolicies/handler';
import { createWriteRecommendationHandler } from './writeRecommendation/handler';

export const FUNCTION_NAMES = [
  'normalizeInput',
  'readHistory',
  'createModelPackage',
  'startRecommender',
  'pollJob',
  'deriveThresholds',
  'searchPoliciesPlan',
  'searchPoliciesBatch',
  'searchPoliciesReduce',
  'deployEndpoint',
  'pollEndpoint',
  'registerPolicies',
  'simulatePolicies',
  'runEvaluation',
  'pollEvaluation',
  'judge',
  'tunePolicies',
  'resetEndpoint',
  'writeRecommendation',
  'cleanup',
  'publishFailureEvent',
  'sweeper',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Functions that no state of the definition runs: the sweeper runs on the execution's end. */
export const OUTSIDE_THE_DEFINITION: readonly FunctionName[] = ['sweeper'];

export const handlerFactories: Record<FunctionName, (ports: WorkflowPorts) => WorkflowHandler> = {
  normalizeInput: (ports) => createNormalizeInputHandler(ports),
  readHistory: (ports) => createReadHistoryHandler(ports),
  createModelPackage: (ports) => createCreateModelPackageHandler(ports),
  startRecommender: (ports) => createStartRecommenderHandler(ports),
  pollJob: (ports) => createPollJobHandler(ports),
  deriveThresholds: (ports) => createDeriveThresholdsHandler(ports),
  searchPoliciesPlan: (ports) => createSearchPoliciesPlanHandler(ports),
  searchPoliciesBatch: (ports) => createSearchPoliciesBatchHandler(ports),
  searchPoliciesReduce: (ports) => createSearchPoliciesReduceHandler(ports),
  deployEndpoint: (ports) => createDeployEndpointHandler(ports),
  pollEndpoint: (ports) => createPollEndpointHandler(ports),
  registerPolicies: (ports) => createRegisterPoliciesHandler(ports),
  simulatePolicies: () => createSimulatePoliciesHandler(),
  runEvaluation: (ports) => createRunEvaluationHandler(ports),
  pollEvaluation: (ports) => createPollEvaluationHandler(ports),
  judge: (ports) => createJudgeHandler(ports),
  tunePolicies: (ports) => createTunePoliciesHandler(ports),
  resetEndpoint: (ports) => createResetEndpointHandler(ports),
  writeRecommendation: (ports) => createWriteRecommendationHandler(ports),
  cleanup: (ports) => createCleanupHandler(ports),
  publishFailureEvent: (ports) => createPublishFailureEventHandler(ports),
  sweeper: (ports) => createSweeperHandler(ports),
};
