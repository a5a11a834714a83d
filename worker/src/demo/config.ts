import type { InputSpec } from '../../../shared/src/index.js';

/** What the page needs to know about one demo model (embedded as JSON, no extra round trip). */
export type DemoModelInfo =
  | {
    id: string; ok: true; version: string; algorithm: string;
    classNames: string[]; input: InputSpec; test: { average: number | null; worstGroup: number | null };
  }
  | { id: string; ok: false; reason: string };

export type ServedDemoModel = Extract<DemoModelInfo, { ok: true }>;

/** The page's embedded configuration (`<script type="application/json" id="demo-config">`). */
export interface DemoConfig {
  models: DemoModelInfo[];
  active: string;
}

