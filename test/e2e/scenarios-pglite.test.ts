import { scenarioSuite } from "./scenarios";

// Histories of these scenarios are what test/replay.test.ts replays (RELANCE_RECORD_HISTORIES=scenario).
scenarioSuite("pglite", { record: "scenario" });
