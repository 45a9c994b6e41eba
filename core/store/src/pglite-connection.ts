/**
 * node-postgres' connection to an embedded PGlite, the way `PglitePgConnection` of
 * `@electric-sql/pglite/node-postgres` does it, with one difference: the messages pg writes for one
 * extended-protocol query (parse, bind, describe, execute, sync, all between its `cork` and `uncork`)
 * reach PGlite as one buffer. PGlite's own bridge enters WebAssembly once per message, and each entry
 * has a fixed cost on our thread that made up most of a short query's time.
 */
import { EventEmitter } from "node:events";
import type { PGlite } from "@electric-sql/pglite";
import { serialize } from "pg-protocol";

type Message = { readonly name: string };

export class PgliteConnection extends EventEmitter {
  readonly #pglite: PGlite;
  /** Every exchange with PGlite, in the order pg wrote it. */
  #chain: Promise<unknown>;
  /** Messages written while pg has the stream corked. */
  #corked: Uint8Array[] | null = null;

  // Read and written by pg's Client and Query.
  _connecting = false;
  parsedStatements: Record<string, string> = {};
  submittedNamedStatements: Record<string, string> = {};
  readonly stream = {
    destroy: () => this.end(),
    cork: () => {
      this.#corked ??= [];
    },
    uncork: () => {
      const corked = this.#corked;
      this.#corked = null;
      if (corked && corked.length > 0) this.#exchange(corked.length === 1 ? (corked[0] as Uint8Array) : concat(corked));
    },
  };

  constructor(pglite: PGlite) {
    super();
    this.#pglite = pglite;
    this.#chain = pglite.waitReady;
  }

  async connect(): Promise<void> {
    this._connecting = true;
    await this.#pglite.waitReady;
    process.nextTick(() => this.emit("readyForQuery"));
  }

  requestSsl(): void {}
  startup(): void {}
  cancel(): void {}
  password(): void {}
  ref(): void {}
  unref(): void {}

  query(text: string): void {
    this.#send(serialize.query(text));
  }
  parse(query: Parameters<typeof serialize.parse>[0]): void {
    this.#send(serialize.parse(query));
  }
  bind(config: Parameters<typeof serialize.bind>[0]): void {
    this.#send(serialize.bind(config));
  }
  describe(message: Parameters<typeof serialize.describe>[0]): void {
    this.#send(serialize.describe(message));
  }
  execute(config: Parameters<typeof serialize.execute>[0]): void {
    this.#send(serialize.execute(config));
  }
  close(message: Parameters<typeof serialize.close>[0]): void {
    this.#send(serialize.close(message));
  }
  flush(): void {
    this.#send(serialize.flush());
  }
  sync(): void {
    this.#send(serialize.sync());
  }
  sendCopyFromChunk(chunk: Buffer): void {
    this.#send(serialize.copyData(chunk));
  }
  endCopyFrom(): void {
    this.#send(serialize.copyDone());
  }
  sendCopyFail(message: string): void {
    this.#send(serialize.copyFail(message));
  }
  sendSASLInitialResponseMessage(mechanism: string, initialResponse: string): void {
    this.#send(serialize.sendSASLInitialResponseMessage(mechanism, initialResponse));
  }
  sendSCRAMClientFinalMessage(additionalData: string): void {
    this.#send(serialize.sendSCRAMClientFinalMessage(additionalData));
  }

  end(): void {
    this.#chain = this.#chain.then(() => this.emit("end"));
    for (const event of this.eventNames()) if (event !== "newListener") this.removeAllListeners(event);
  }

  #send(bytes: Uint8Array): void {
    if (this.#corked) this.#corked.push(bytes);
    else this.#exchange(bytes);
  }

  #exchange(bytes: Uint8Array): void {
    this.#chain = this.#chain
      .then(() => this.#pglite.execProtocolStream(bytes, { throwOnError: false }))
      .then((messages) => {
        const relay = this.listenerCount("message") > 0;
        for (const message of messages as readonly Message[]) {
          if (relay) this.emit("message", message);
          this.emit(message.name === "error" ? "errorMessage" : message.name, message);
        }
      })
      .catch((error: unknown) => {
        this.emit("error", error);
      });
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
