import type { InputSpec } from '#shared';

/**
 * The shortcut a bundle declares: its `--shortcut-column` (`dataset.columns.shortcut`, else the annotated attribute
 * column; a group column is label × attribute, not a shortcut) and the intervention in words (`intervention.description`,
 * or an old bundle's `scores.counterfactualProbe.intervention`). Either is null where the bundle does not declare it.
 */
export interface DeclaredShortcut {
  name: string | null;
  intervention: string | null;
}

/** What the page needs to know about one demo model (embedded as JSON, no extra round trip). */
export type DemoModelInfo =
  | {
    id: string; ok: true; version: string; algorithm: string;
    classNames: string[]; groupNames: string[]; input: InputSpec; shortcut: DeclaredShortcut;
    /** The bundle lets the public demo show its test samples (manifest `publish.samples`). */
    publishesSamples: boolean;
    test: { average: number | null; worstGroup: number | null };
  }
  | { id: string; ok: false; reason: string };

export type ServedDemoModel = Extract<DemoModelInfo, { ok: true }>;

/** The page's embedded configuration (`<script type="application/json" id="demo-config">`). */
export interface DemoConfig {
  models: DemoModelInfo[];
  active: string;
}
