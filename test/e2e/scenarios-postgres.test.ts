import { scenarioSuite } from "./scenarios";

// The same scenarios with the workflow cache off: every workflow task replays the whole history.
scenarioSuite("postgres", { workflowCache: false });
