import type { MetricsRegistry } from '@parley/infra/observability';

/**
 * From a millisecond (a quiet node) to half a minute (a node catching up after a restart), finest
 * where a live event's age falls under load, so a tail can be told from the median.
 */
const AGE_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** Where an event's age is observed: the name and help of its histogram. */
export const eventAgeStages = {
  relay: {
    name: 'parley_relay_event_age_seconds',
    help: "Age of each event when the bus acknowledged the relay's publish of it (now minus the event's recordedAt)",
  },
  realtime: {
    name: 'parley_realtime_event_age_seconds',
    help: "Age of each event when this node published its frame to its viewers (now minus the event's recordedAt)",
  },
} as const;

/**
 * A histogram of event ages in seconds, fed in ms. `recordedAt` is the writer's clock: across
 * machines the age includes their clock skew, and an age below zero (a clock behind) counts as 0.
 */
export function eventAgeHistogram(metrics: MetricsRegistry, stage: keyof typeof eventAgeStages): (ms: number) => void {
  const { name, help } = eventAgeStages[stage];
  const histogram = metrics.histogram(name, help, AGE_BUCKETS);
  const noLabels = {};
  return (ms) => histogram.observe(noLabels, ms > 0 ? ms / 1000 : 0);
}
