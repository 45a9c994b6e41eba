import { scenarioSuite } from "./scenarios";

// The same scenarios on PostgreSQL; afterwards every case's history is replayed against today's code.
// (The worker keeps its workflow cache: a case's steps are local activities, which need it.)
scenarioSuite("postgres", { replay: true });
