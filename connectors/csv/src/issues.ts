import { type Issue, RelanceError } from "@relance/core";

/** Every problem found in a file, keeping the first `max` and counting the rest. */
export class IssueLog {
  readonly kept: Issue[] = [];
  count = 0;

  constructor(readonly max: number) {}

  add(issue: Issue): void {
    this.count++;
    if (this.kept.length < this.max) this.kept.push(issue);
  }

  /** The error that rejects the whole file. */
  toError(fileName: string): RelanceError {
    const issues: Issue[] = [...this.kept];
    const unlisted = this.count - this.kept.length;
    if (unlisted > 0) issues.push({ message: `${unlisted} more ${unlisted === 1 ? "problem" : "problems"} not listed` });
    const problems = this.count === 1 ? "1 problem" : `${this.count} problems`;
    return new RelanceError("validation_failed", `${fileName} has ${problems}`, { issues });
  }
}
