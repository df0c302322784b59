// README's "A ticket's life", through a client generated from the live /openapi/v1.json (openapi-typescript +
// openapi-fetch). tsc --strict checks every call and field against the document; running it checks the document
// against the service. Any mismatch throws, and the process exits non-zero.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./.generated/api.js";

type Schemas = components["schemas"];
// openapi-fetch infers its init argument, and an inferred type gets no excess-property check: { Status: …, limit: 20 }
// would slip through. Every query and body below therefore says which schema it "satisfies", which does check.
type Query<Operation extends keyof operations> = NonNullable<operations[Operation]["parameters"]["query"]>;
// The little of Node this needs, declared here rather than pulling in @types/node.
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };
type Client = ReturnType<typeof createClient<paths>>;

const baseUrl = required("BASE_URL");
const adminEmail = required("ADMIN_EMAIL");
const adminPassword = required("ADMIN_PASSWORD");
const run = Date.now().toString(36);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function client(token?: string): Client {
  return createClient<paths>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    // status=open,pending: the document's form style without explode.
    querySerializer: { array: { style: "form", explode: false } },
  });
}

function expect(condition: boolean, what: string, body?: unknown): asserts condition {
  if (!condition) throw new Error(`${what}${body === undefined ? "" : `: ${JSON.stringify(body)}`}`);
}

function expectStatus(response: Response, status: number, body: unknown): void {
  expect(response.status === status, `${response.url}: expected ${status}, got ${response.status}`, body);
}

/** A problem body as the document describes it: status, title, instance and trace_id always there. */
function expectProblem(problem: Schemas["Problem"] | undefined, status: number): Schemas["Problem"] {
  expect(problem !== undefined, `expected a ${status} problem body`);
  expect(problem.status === status && problem.title.length > 0 && problem.instance.startsWith("/")
    && /^[0-9a-f]{32}$/.test(problem.trace_id), "problem shape", problem);
  return problem;
}

async function login(email: string, password: string): Promise<string> {
  const { data, error, response } = await client().POST("/auth/login", { body: { email, password } satisfies Schemas["LoginRequest"] });
  expectStatus(response, 200, error);
  expect(data !== undefined && data.token_type === "Bearer" && data.access_token.length > 0, "login answer", data);
  return data.access_token;
}

async function main(): Promise<void> {
  // register a customer (201, returns the user and a token)
  const customerEmail = `user-${run}@example.com`;
  const registered = await client().POST("/auth/register", {
    body: { email: customerEmail, password: "password123", first_name: "John", last_name: "Doe" } satisfies Schemas["RegisterRequest"],
  });
  expectStatus(registered.response, 201, registered.error);
  const customerUser: Schemas["UserResponse"] | undefined = registered.data?.user;
  expect(customerUser?.role === "customer" && customerUser.email === customerEmail, "registered user", registered.data);

  // a validation problem names the field under errors
  const weak = await client().POST("/auth/register", {
    body: { email: `weak-${run}@example.com`, password: "short", first_name: "W", last_name: "K" } satisfies Schemas["RegisterRequest"],
  });
  expectStatus(weak.response, 400, weak.error);
  expect(expectProblem(weak.error, 400).errors?.["password"]?.length === 1, "errors.password", weak.error);

  const admin = await login(adminEmail, adminPassword);
  const customer = await login(customerEmail, "password123");

  // who am I
  const me = await client(customer).GET("/auth/me");
  expectStatus(me.response, 200, me.error);
  expect(me.data?.id === customerUser.id && me.data.is_active, "me", me.data);

  // an admin creates an agent
  const agentEmail = `agent-${run}@example.com`;
  const created = await client(admin).POST("/users", {
    body: { email: agentEmail, password: "agent-password", first_name: "Ada", last_name: "Agent", role: "agent" } satisfies Schemas["CreateUserRequest"],
  });
  expectStatus(created.response, 201, created.error);
  expect(created.data?.role === "agent", "agent created", created.data);
  const agent = await login(agentEmail, "agent-password");
  const agentId = created.data.id;

  // the customer opens a ticket (201, Location and ETag headers)
  const opened = await client(customer).POST("/tickets", {
    body: {
      title: "Login Issue", description: "Cannot login to the application", priority: "high",
      category: "authentication", tags: ["login", "urgent"],
    } satisfies Schemas["CreateTicketRequest"],
  });
  expectStatus(opened.response, 201, opened.error);
  const ticket: Schemas["TicketResponse"] | undefined = opened.data;
  expect(ticket !== undefined, "ticket body");
  const status: "open" | "in_progress" | "pending" | "resolved" | "closed" = ticket.status;
  expect(status === "open" && ticket.priority === "high" && ticket.category === "authentication"
    && ticket.tags.join() === "login,urgent" && ticket.requester_id === customerUser.id
    && ticket.assignee_id === null && ticket.first_response_at === null && ticket.number > 0, "opened ticket", ticket);
  expect(opened.response.headers.get("Location") === `/tickets/${ticket.id}`, "Location", opened.response.headers.get("Location"));
  expect(opened.response.headers.get("ETag") === `"${ticket.version}"`, "ETag", opened.response.headers.get("ETag"));
  const id = ticket.id;

  // the agent lists open, high-priority tickets
  const listed = await client(agent).GET("/tickets", {
    params: { query: { status: ["open"], priority: ["high"], limit: 20, offset: 0 } satisfies Query<"ListTickets"> },
  });
  expectStatus(listed.response, 200, listed.error);
  expect(listed.data !== undefined && listed.data.limit === 20 && listed.data.offset === 0 && listed.data.total >= 1
    && listed.data.items.some(t => t.id === id) && listed.data.items.every(t => t.status === "open" && t.priority === "high"),
    "open, high-priority tickets", listed.data);

  // ...and a comma list of statuses is one filter
  const several = await client(agent).GET("/tickets", { params: { query: { status: ["pending", "open"], q: "login" } satisfies Query<"ListTickets"> } });
  expectStatus(several.response, 200, several.error);
  expect(several.data?.items.some(t => t.id === id) === true, "status=pending,open&q=login", several.data);

  // the agent answers (the first public reply sets first_response_at)
  const comment = await client(agent).POST("/tickets/{id}/comments", {
    params: { path: { id } },
    body: { content: "Working on this issue", comment_type: "public" } satisfies Schemas["AddCommentRequest"],
  });
  expectStatus(comment.response, 201, comment.error);
  expect(comment.data?.comment_type === "public" && comment.data.author_id === agentId, "comment", comment.data);

  const read = await client(agent).GET("/tickets/{id}", { params: { path: { id } } });
  expectStatus(read.response, 200, read.error);
  expect(read.data?.first_response_at !== null && read.data?.version === 2, "first_response_at after the reply", read.data);
  const etag = read.response.headers.get("ETag");
  expect(etag === '"2"', "ETag after a public comment", etag);

  // the agent updates it; If-Match refuses to overwrite someone else's change with 412
  const stale = await client(agent).PUT("/tickets/{id}", {
    params: { path: { id }, header: { "If-Match": '"1"' } },
    body: { status: "in_progress", priority: "medium" } satisfies Schemas["UpdateTicketRequest"],
  });
  expectStatus(stale.response, 412, stale.error);
  expectProblem(stale.error, 412);

  const updated = await client(agent).PUT("/tickets/{id}", {
    params: { path: { id }, header: { "If-Match": etag } },
    body: { status: "in_progress", priority: "medium" } satisfies Schemas["UpdateTicketRequest"],
  });
  expectStatus(updated.response, 200, updated.error);
  expect(updated.data?.status === "in_progress" && updated.data.priority === "medium" && updated.data.version === 3,
    "updated ticket", updated.data);

  // a customer may not change the priority
  const forbidden = await client(customer).PATCH("/tickets/{id}", { params: { path: { id } }, body: { priority: "urgent" } satisfies Schemas["UpdateTicketRequest"] });
  expectStatus(forbidden.response, 403, forbidden.error);
  expectProblem(forbidden.error, 403);

  // everyone with access reads the audit trail
  const history = await client(customer).GET("/tickets/{id}/history", { params: { path: { id } } });
  expectStatus(history.response, 200, history.error);
  const rows: Schemas["TicketHistoryEntry"][] = history.data?.items ?? [];
  expect(rows.some(h => h.action === "created")
    && rows.some(h => h.field === "status" && h.old_value === "open" && h.new_value === "in_progress")
    && rows.some(h => h.field === "priority" && h.old_value === "high" && h.new_value === "medium"), "history", rows);

  // without a token: 401, as a problem
  const anonymous = await client().GET("/tickets/{id}", { params: { path: { id } } });
  expectStatus(anonymous.response, 401, anonymous.error);
  expectProblem(anonymous.error, 401);

  console.log(`walk-through: ticket #${ticket.number} opened, listed, answered, updated (412 on a stale ETag), audited`);
}

// Never called: each line is a mistake the generated types must refuse. If one compiles, the ts-expect-error
// directive above it is unused and tsc fails, so the document cannot silently get looser.
export function mistakesTheDocumentMustCatch(c: Client, ticket: Schemas["TicketResponse"], problem: Schemas["Problem"]): void {
  // @ts-expect-error  the README's query name is status, not Status
  void c.GET("/tickets", { params: { query: { Status: ["open"], limit: 20 } satisfies Query<"ListTickets"> } });
  // @ts-expect-error  limit, not Limit, on every paged route
  void c.GET("/tickets/{id}/comments", { params: { path: { id: ticket.id }, query: { Limit: 5 } satisfies Query<"ListComments"> } });
  // @ts-expect-error  the search term is query, not Query
  void c.GET("/search/global", { params: { query: { Query: "login", limit: 5 } satisfies Query<"GlobalSearch"> } });
  // @ts-expect-error  status is an enumeration: "in-progress" is not one of its values
  void c.GET("/tickets", { params: { query: { status: ["in-progress"] } satisfies Query<"ListTickets"> } });
  // @ts-expect-error  priority is an enumeration in request bodies too
  void c.POST("/tickets", { body: { title: "t", description: "d", priority: "highest" } satisfies Schemas["CreateTicketRequest"] });
  // @ts-expect-error  title is required when opening a ticket
  void c.POST("/tickets", { body: { description: "d" } satisfies Schemas["CreateTicketRequest"] });
  // @ts-expect-error  unknown fields are refused by the service, and by the types
  void c.PATCH("/tickets/{id}", { params: { path: { id: ticket.id } }, body: { status: "closed", number: 7 } satisfies Schemas["UpdateTicketRequest"] });
  // @ts-expect-error  a ticket's number is a number, not a string
  const number: string = ticket.number;
  // @ts-expect-error  category can be null, so it is not a plain string
  const category: string = ticket.category;
  // @ts-expect-error  trace_id is a string
  const traceId: number = problem.trace_id;
  void number; void category; void traceId;
}

main().catch((error: unknown) => {
  console.error(`walk-through failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
