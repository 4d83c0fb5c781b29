/** Local clean-up: deletes exactly one resource of the ledger; a running job is stopped first. */
import type { CleanupPort, ResourceRef } from '../../core/ports';
import { type LocalState, type LocalStateStore, localArn } from './state-store';

export function createLocalCleanup(
  store: LocalStateStore,
  jobs: { stopRunningJob(jobName: string): void },
): CleanupPort {
  return {
    async deleteResource(ref) {
      if (ref.kind === 'recommenderJob') jobs.stopRunningJob(ref.name);
      const removed = deleteFromState(store.state, ref);
      store.save();
      return removed ? 'deleted' : 'notFound';
    },
  };
}

/** Removes one resource from the local state; false when it was not there (clean-up may run twice). */
function deleteFromState(state: LocalState, ref: ResourceRef): boolean {
  const dropFrom = (list: string[], name: string) => {
    const index = list.indexOf(name);
    if (index >= 0) list.splice(index, 1);
    return index >= 0;
  };
  const dropKey = (record: Record<string, unknown>, key: string) => {
    const had = key in record;
    delete record[key];
    return had;
  };
  switch (ref.kind) {
    case 'modelPackageGroup':
      return dropFrom(state.modelPackageGroups, ref.name);
    case 'modelPackage':
      return dropKey(state.modelPackages, ref.arn ?? localArn('model-package', ref.name));
    case 'model':
      return dropFrom(state.models, ref.name);
    case 'endpointConfig':
      return dropFrom(state.endpointConfigs, ref.name);
    case 'endpoint':
      return dropKey(state.endpoints, ref.name);
    case 'scalableTarget':
      return dropKey(state.scalableTargets, ref.name);
    case 'alarm':
      return dropKey(state.alarms, ref.name);
    case 'recommenderJob':
      // Jobs are not deleted (as on AWS): the caller has stopped it if it was running.
      return ref.name in state.jobs;
    case 'evaluation':
      return dropKey(state.evaluations, ref.name);
  }
}
