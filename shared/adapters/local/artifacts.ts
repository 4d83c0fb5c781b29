/**
 * The local artifact store: `<runDir>/recommendation.json`, with one reason more than on AWS,
 * added here and nowhere else: locally the evaluation is the digital twin.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ArtifactStorePort } from '../../core/ports';
import type { LocalStateStore } from './state-store';

/** Code of the reason the local backend adds to a recommendation the twin evaluated. */
export const LOCAL_EVALUATION_REASON_CODE = 'evaluationByDigitalTwin';
/** Code of the reason the local backend adds to a recommendation measured on the local endpoint. */
export const LOCAL_ENDPOINT_REASON_CODE = 'evaluationOnLocalEndpoint';

/**
 * The recommendation with one more reason: locally the evaluation is the digital twin, not an
 * Advanced job on a SageMaker endpoint, so a reader must not take "passed" (or the core's "paid
 * evaluation(s)") for a measured one. Returns a copy; anything but a recommendation is unchanged.
 *
 * @example
 * withLocalEvaluationReason({ iterations: [{ verdict }], reasons: [passed] }).reasons.at(-1).code; // 'evaluationByDigitalTwin'
 */
export function withLocalEvaluationReason<T>(
  recommendation: T,
  measuredReason?: { code: string; message: string },
): T {
  if (typeof recommendation !== 'object' || recommendation === null) return recommendation;
  const { reasons, iterations } = recommendation as { reasons?: unknown; iterations?: unknown };
  if (!Array.isArray(reasons)) return recommendation;
  const code = measuredReason?.code ?? LOCAL_EVALUATION_REASON_CODE;
  if (reasons.some((reason) => (reason as { code?: unknown })?.code === code)) return recommendation;
  if (measuredReason) return { ...recommendation, reasons: [...reasons, measuredReason] };
  const evaluated = Array.isArray(iterations)
    ? iterations.filter((iteration) => (iteration as { verdict?: unknown })?.verdict !== undefined).length
    : 0;
  return {
    ...recommendation,
    reasons: [
      ...reasons,
      {
        code: LOCAL_EVALUATION_REASON_CODE,
        message: `the ${evaluated} evaluation(s) above were done by the digital twin on the local backend, not on a SageMaker endpoint: nothing was deployed or paid, and each verdict is the twin's prediction from the benchmark of the local server`,
      },
    ],
  };
}

export interface LocalArtifacts {
  port: ArtifactStorePort;
  /** The recommendation as stored (with the twin's reason), once WriteRecommendation has run. */
  stored(): unknown;
}

export function createLocalArtifacts(
  store: LocalStateStore,
  measuredReason?: { code: string; message: string },
): LocalArtifacts {
  let stored: unknown;
  return {
    port: {
      async putRecommendation(_runId, recommendation) {
        const path = join(store.runDir, 'recommendation.json');
        stored = withLocalEvaluationReason(recommendation, measuredReason);
        writeFileSync(path, `${JSON.stringify(stored, null, 2)}\n`);
        store.state.artifacts.push(path);
        store.save();
        return { uri: path };
      },
      async putRunObjects(_runId, objects) {
        // The same files as on AWS; the local run then writes summary.md and report.html again
        // with what only it knows (the folder, the states, the benchmark's curves).
        return objects.map((object) => {
          const path = join(store.runDir, ...object.name.split('/'));
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, object.body);
          store.state.artifacts.push(path);
          return { name: object.name, uri: path };
        });
      },
    },
    stored: () => stored,
  };
}
