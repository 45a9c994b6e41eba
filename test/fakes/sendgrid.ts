/**
 * A fake of SendGrid's v3 API on 127.0.0.1, answering the way the documented API does (twilio/sendgrid-oai:
 * tsg_mail_v3, tsg_email_activity_v3), plus a signer that produces Event Webhook deliveries.
 *
 * - POST /v3/mail/send: Bearer "SG." key, minimal validation with SendGrid-shaped 400s, 202 + X-Message-Id
 *   (sandbox mode: 200, nothing stored).
 * - GET /v3/messages?query=…&limit=…: the Email Activity API, for `unique_args['k']="v"`, `to_email`,
 *   `from_email`, `subject`, `msg_id` and `status` clauses joined by AND.
 * - failNext(status, times, headers): the next requests fail that way (rate limits, outages).
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedMail {
  /** The X-Message-Id answered for it. */
  readonly id: string;
  /** The JSON body exactly as it arrived. */
  readonly body: Record<string, unknown>;
  readonly headers: IncomingHttpHeaders;
  /** Top-level custom_args merged with the first personalization's (what events carry). */
  readonly customArgs: Readonly<Record<string, string>>;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly categories: readonly string[];
  readonly receivedAt: Date;
}

export interface FakeEventInput {
  readonly event: string;
  /** Fills email, sg_message_id and the flattened custom args from a stored message. */
  readonly mail?: ReceivedMail;
  readonly email?: string;
  /** Unix seconds; defaults to now. */
  readonly timestamp?: number;
  readonly sgMessageId?: string;
  readonly sgEventId?: string;
  readonly customArgs?: Readonly<Record<string, string>>;
  /** Any other event fields (reason, response, status, type, url…). */
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface SignedDelivery {
  /** As SendGrid sends them (mixed case); look them up case-insensitively. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type MessageHook = (mail: ReceivedMail) => void | Promise<void>;

export interface FakeSendGrid {
  /** "http://127.0.0.1:PORT/" */
  readonly url: string;
  readonly messages: ReceivedMail[];
  /** Every HTTP request received, including failed and rejected ones. */
  readonly requests: number;
  /** Verification key as the SendGrid dashboard shows it: base64 DER (SPKI). */
  readonly publicKey: string;
  /** Runs after a message is stored and before the answer is written; the answer waits for it. */
  onMessage: MessageHook | undefined;
  /** The next `times` requests (any route) answer `status` with these headers and a SendGrid error body. */
  failNext(status: number, times?: number, headers?: Readonly<Record<string, string>>): void;
  /** Builds an Event Webhook delivery (JSON array of events) signed with the fake's key. */
  signEvents(events: readonly FakeEventInput[], options?: { readonly timestamp?: number }): SignedDelivery;
  /** Signs any payload the way SendGrid does, e.g. to test a malformed but signed body. */
  sign(body: string, timestamp?: number): SignedDelivery;
  close(): Promise<void>;
}

export interface FakeSendGridOptions {
  /** When set, only this exact key is accepted; otherwise any key starting with "SG.". */
  readonly apiKey?: string;
  readonly onMessage?: MessageHook;
  /** Clock for event timestamps; defaults to the system clock. */
  readonly now?: () => Date;
}

interface SendGridError {
  readonly message: string;
  readonly field: string | null;
  readonly help: string | null;
}

const ERRORS_HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html";
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const CLAUSE = /^(?:unique_args\['([^']+)'\]|(to_email|from_email|subject|msg_id|status))\s*=\s*"((?:[^"\\]|\\.)*)"$/;

const error = (message: string, field: string | null = null, help: string | null = null): SendGridError => ({
  message,
  field,
  help,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const stringRecord = (value: unknown): Record<string, string> =>
  isRecord(value)
    ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"))
    : {};

const emailOf = (value: unknown): string | undefined =>
  isRecord(value) && typeof value.email === "string" ? value.email : undefined;

/** SendGrid's documented checks for a mail send, reduced to the required fields. */
function validateMail(body: Record<string, unknown>): SendGridError[] {
  const errors: SendGridError[] = [];
  const personalizations = body.personalizations;
  const hasTemplate = typeof body.template_id === "string" && body.template_id.length > 0;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    errors.push(
      error(
        "The personalizations field is required and must have at least one personalization.",
        "personalizations",
        `${ERRORS_HELP}#-Personalizations-Errors`,
      ),
    );
  } else {
    personalizations.forEach((personalization: unknown, index) => {
      const to = isRecord(personalization) ? personalization.to : undefined;
      if (!Array.isArray(to) || to.length === 0) {
        errors.push(
          error(
            "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
            `personalizations.${index}.to`,
            `${ERRORS_HELP}#message.personalizations.to`,
          ),
        );
        return;
      }
      to.forEach((recipient: unknown, position) => {
        const email = emailOf(recipient);
        if (email === undefined || !EMAIL.test(email)) {
          errors.push(
            error(
              "Does not contain a valid address.",
              `personalizations.${index}.to.${position}.email`,
              `${ERRORS_HELP}#message.personalizations.to`,
            ),
          );
        }
      });
    });
  }
  const from = emailOf(body.from);
  if (from === undefined) {
    errors.push(
      error(
        "The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.",
        "from",
        `${ERRORS_HELP}#message.from`,
      ),
    );
  } else if (!EMAIL.test(from)) {
    errors.push(error("The from email does not contain a valid address.", "from.email", `${ERRORS_HELP}#message.from`));
  }
  const everyPersonalizationHasSubject =
    Array.isArray(personalizations) &&
    personalizations.length > 0 &&
    personalizations.every((p: unknown) => isRecord(p) && typeof p.subject === "string" && p.subject.length > 0);
  const hasSubject = typeof body.subject === "string" && body.subject.length > 0;
  if (!hasSubject && !hasTemplate && !everyPersonalizationHasSubject) {
    errors.push(
      error(
        "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
        "subject",
        `${ERRORS_HELP}#message.subject`,
      ),
    );
  }
  const content = body.content;
  const contentOk =
    Array.isArray(content) &&
    content.length > 0 &&
    content.every(
      (block: unknown) =>
        isRecord(block) && typeof block.type === "string" && typeof block.value === "string" && block.value.length > 0,
    );
  if (!contentOk && !hasTemplate) {
    errors.push(
      error(
        "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.",
        "content",
        `${ERRORS_HELP}#message.content`,
      ),
    );
  }
  return errors;
}

function toReceived(id: string, body: Record<string, unknown>, headers: IncomingHttpHeaders, receivedAt: Date): ReceivedMail {
  const personalizations = Array.isArray(body.personalizations) ? body.personalizations : [];
  const first: unknown = personalizations[0];
  const to = personalizations.flatMap((p: unknown) =>
    isRecord(p) && Array.isArray(p.to) ? p.to.map(emailOf).filter((email): email is string => email !== undefined) : [],
  );
  return {
    id,
    body,
    headers,
    customArgs: { ...stringRecord(body.custom_args), ...(isRecord(first) ? stringRecord(first.custom_args) : {}) },
    from: emailOf(body.from) ?? "",
    to,
    subject: typeof body.subject === "string" ? body.subject : "",
    categories: Array.isArray(body.categories) ? body.categories.filter((c): c is string => typeof c === "string") : [],
    receivedAt,
  };
}

/** The activity feed's msg_id: the X-Message-Id followed by the relay's suffix, as SendGrid shows it. */
const activityMessageId = (mail: ReceivedMail) => `${mail.id}.filterdrecv-fake-1-${mail.receivedAt.getTime().toString(16)}.0`;

function parseQuery(query: string): ((mail: ReceivedMail) => boolean) | undefined {
  const clauses = query.split(/\s+AND\s+/);
  const tests: ((mail: ReceivedMail) => boolean)[] = [];
  for (const clause of clauses) {
    const match = CLAUSE.exec(clause.trim());
    if (!match) return undefined;
    const [, argument, field, raw = ""] = match;
    const value = raw.replace(/\\(.)/g, "$1");
    if (argument !== undefined) tests.push((mail) => mail.customArgs[argument] === value);
    else if (field === "to_email") tests.push((mail) => mail.to.includes(value));
    else if (field === "from_email") tests.push((mail) => mail.from === value);
    else if (field === "subject") tests.push((mail) => mail.subject === value);
    else if (field === "msg_id") tests.push((mail) => mail.id === value || activityMessageId(mail) === value);
    else tests.push(() => value === "processed");
  }
  return (mail) => tests.every((test) => test(mail));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function answer(response: ServerResponse, status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}): void {
  // The client may be gone (a test killed it while a hook ran): there is nobody left to answer.
  if (response.destroyed || response.writableEnded) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(status, {
    ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    "Content-Length": String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

export async function startFakeSendGrid(options: FakeSendGridOptions = {}): Promise<FakeSendGrid> {
  const now = options.now ?? (() => new Date());
  const keys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const publicKey = keys.publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const messages: ReceivedMail[] = [];
  const failures: { status: number; headers: Readonly<Record<string, string>> }[] = [];
  let requests = 0;

  const authorized = (headers: IncomingHttpHeaders): boolean => {
    const match = /^Bearer (.+)$/.exec(headers.authorization ?? "");
    const key = match?.[1];
    if (key === undefined || !key.startsWith("SG.")) return false;
    return options.apiKey === undefined || key === options.apiKey;
  };

  const sendMail = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch {
      answer(response, 400, { errors: [error("Bad Request")] });
      return;
    }
    if (!isRecord(body)) {
      answer(response, 400, { errors: [error("Bad Request")] });
      return;
    }
    const errors = validateMail(body);
    if (errors.length > 0) {
      answer(response, 400, { errors });
      return;
    }
    const mailSettings = isRecord(body.mail_settings) ? body.mail_settings : {};
    if (isRecord(mailSettings.sandbox_mode) && mailSettings.sandbox_mode.enable === true) {
      answer(response, 200);
      return;
    }
    const mail = toReceived(randomBytes(16).toString("base64url"), body, request.headers, now());
    messages.push(mail);
    if (fake.onMessage) await fake.onMessage(mail);
    answer(response, 202, undefined, { "X-Message-Id": mail.id });
  };

  const listMessages = (url: URL, response: ServerResponse): void => {
    const query = url.searchParams.get("query");
    const limitText = url.searchParams.get("limit") ?? "10";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      answer(response, 400, { errors: [{ message: "limit must be an integer between 1 and 1000" }] });
      return;
    }
    const matches = query === null ? undefined : parseQuery(query);
    if (matches === undefined) {
      answer(response, 400, { errors: [{ message: `invalid syntax: '${query ?? ""}' is not a supported query` }] });
      return;
    }
    const found = messages
      .filter(matches)
      .reverse()
      .slice(0, limit)
      .map((mail) => ({
        from_email: mail.from,
        msg_id: activityMessageId(mail),
        subject: mail.subject,
        to_email: mail.to[0] ?? "",
        status: "processed",
        opens_count: 0,
        clicks_count: 0,
        last_event_time: mail.receivedAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      }));
    answer(response, 200, { messages: found });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    requests += 1;
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const failure = failures.shift();
    if (failure) {
      await readBody(request);
      const message =
        failure.status === 429 ? "too many requests" : failure.status >= 500 ? "internal server error" : "request failed";
      answer(response, failure.status, { errors: [error(message)] }, failure.headers);
      return;
    }
    if (!authorized(request.headers)) {
      await readBody(request);
      answer(response, 401, { errors: [error("The provided authorization grant is invalid, expired, or revoked")] });
      return;
    }
    if (request.method === "POST" && url.pathname === "/v3/mail/send") return sendMail(request, response);
    if (request.method === "GET" && url.pathname === "/v3/messages") return listMessages(url, response);
    await readBody(request);
    answer(response, 404, { errors: [error("resource not found")] });
  };

  const server = createServer((request, response) => {
    response.on("error", () => undefined);
    handle(request, response).catch((failure: unknown) => {
      answer(response, 500, { errors: [error(failure instanceof Error ? failure.message : "internal server error")] });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const signPayload = (body: string, timestamp: number = Math.floor(now().getTime() / 1000)): SignedDelivery => {
    const stamp = String(timestamp);
    const signature = sign("sha256", Buffer.from(stamp + body, "utf8"), keys.privateKey).toString("base64");
    return {
      headers: {
        "Content-Type": "application/json",
        "X-Twilio-Email-Event-Webhook-Signature": signature,
        "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
      },
      body,
    };
  };

  const fake: FakeSendGrid = {
    url: `http://127.0.0.1:${port}/`,
    messages,
    get requests() {
      return requests;
    },
    publicKey,
    onMessage: options.onMessage,
    failNext(status, times = 1, headers = {}) {
      for (let i = 0; i < times; i += 1) failures.push({ status, headers });
    },
    signEvents(events, signOptions = {}) {
      const nowSeconds = Math.floor(now().getTime() / 1000);
      const payload = events.map((input) => ({
        email: input.email ?? input.mail?.to[0] ?? "recipient@example.com",
        timestamp: input.timestamp ?? nowSeconds,
        "smtp-id": `<${input.mail?.id ?? randomBytes(8).toString("hex")}@ismtpd-fake>`,
        event: input.event,
        sg_event_id: input.sgEventId ?? randomBytes(16).toString("base64url"),
        sg_message_id: input.sgMessageId ?? (input.mail ? activityMessageId(input.mail) : undefined),
        ...(input.mail?.categories.length ? { category: input.mail.categories } : {}),
        ...input.mail?.customArgs,
        ...input.customArgs,
        ...input.fields,
      }));
      return signPayload(JSON.stringify(payload), signOptions.timestamp);
    },
    sign: signPayload,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((closeError) => (closeError ? reject(closeError) : resolve()));
      }),
  };
  return fake;
}
