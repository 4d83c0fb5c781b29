/**
 * PollJob: one DescribeInferenceRecommendationsJob. COMPLETED returns the benchmark window;
 * FAILED or STOPPED throw JobFailedError with the job's FailureReason; still running after
 * `maxRounds` polls throws WaitTimeoutError.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { assertWithinRounds, nextRound, PollStateSchema } from '../../shared/contract/state';
import { JobFailedError } from '../../shared/core/errors';
import type { BenchmarkWindow, JobStatus, WorkflowPorts } from '../../shared/core/ports';

export const PollJobInput = z
  .object({
    jobName: z.string().min(1),
    previous: PollStateSchema,
    maxRounds: z.number().int().min(1),
  })
  .strict();

export interface JobPollState {
  iteration: number;
  round: number;
  status: JobStatus;
  benchmarkWindow?: BenchmarkWindow;
}

export function createPollJobHandler(ports: Pick<WorkflowPorts, 'jobs'>): WorkflowHandler<JobPollState> {
  return defineHandler({
    name: 'pollJob',
    input: PollJobInput,
    handle: async ({ jobName, previous, maxRounds }, { logger }) => {
      const round = nextRound(previous, previous.iteration);
      const job = await ports.jobs.describeJob(jobName);
      logger.info('job polled', { jobName, status: job.status, round });
      if (job.status === 'FAILED' || job.status === 'STOPPED' || job.status === 'DELETED')
        throw new JobFailedError(
          `Inference Recommender job ${jobName} ended ${job.status}: ${job.failureReason ?? 'no FailureReason given'}`,
        );
      if (job.status === 'COMPLETED') {
        if (!job.benchmarkWindow)
          throw new JobFailedError(
            `Inference Recommender job ${jobName} COMPLETED without a recommendation to read the benchmark from`,
          );
        return {
          iteration: previous.iteration,
          round,
          status: job.status,
          benchmarkWindow: job.benchmarkWindow,
        };
      }
      assertWithinRounds(`Inference Recommender job ${jobName}`, round, maxRounds, job.status);
      return { iteration: previous.iteration, round, status: job.status };
    },
  });
}

export const handler = createPollJobHandler(createAwsPorts());
