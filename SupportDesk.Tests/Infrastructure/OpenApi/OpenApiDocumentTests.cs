using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SupportDesk.Tests.Infrastructure.OpenApi;

/// <summary>
/// The document is what generated clients are built from: names, required fields, enumerations and problems must
/// match what the service sends and accepts. scripts/lib/contract.sh lints it and runs a generated client too.
/// </summary>
public sealed partial class OpenApiDocumentTests(AppFixture app)
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete")
            .Select(m => (m.Name.ToUpperInvariant(), path.Name, m.Value)));

    private static JsonElement Schema(JsonElement document, string name) =>
        document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public async Task Ticket_list_query_parameters_are_named_as_the_readme_writes_them()
    {
        var document = await DocumentAsync();
        var list = document.GetProperty("paths").GetProperty("/tickets").GetProperty("get");
        var names = list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(
            ["status", "priority", "category", "tag", "assignee_id", "requester_id", "created_after", "created_before", "sort", "order", "limit", "offset", "q", "group_id", "sla_breached", "sla_due_before"],
            names);

        var status = list.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "status");
        // style: form is the default for query parameters (the writer leaves it out); without explode it is the comma list.
        Assert.Equal("form", status.TryGetProperty("style", out var style) ? style.GetString() : "form");
        Assert.False(status.GetProperty("explode").GetBoolean());
        Assert.Equal(["open", "in_progress", "pending", "resolved", "closed"], Strings(status.GetProperty("schema").GetProperty("items").GetProperty("enum")));
    }

    [Fact]
    public async Task Every_query_parameter_is_lowercase_snake_case()
    {
        var document = await DocumentAsync();
        var wrong = Operations(document)
            .SelectMany(o => o.Operation.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().Select(p => (o, p)) : [])
            .Where(x => x.p.GetProperty("in").GetString() == "query" && !SnakeCase().IsMatch(x.p.GetProperty("name").GetString()!))
            .Select(x => $"{x.o.Method} {x.o.Path} ?{x.p.GetProperty("name").GetString()}")
            .ToList();
        Assert.True(wrong.Count == 0, "not snake_case (give the property [FromQuery(Name = \"…\")]): " + string.Join(", ", wrong));
    }

    [Fact]
    public async Task The_documented_query_names_are_the_ones_the_service_binds()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);

        var page = await client.GetAsync("/tickets?status=open,pending&priority=high&sort=priority&order=asc&limit=1&offset=0&q=printer");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(1, (await page.JsonAsync()).GetProperty("limit").GetInt32());

        // A bad value under the documented name is refused and named: the name reached the binder.
        await (await client.GetAsync("/tickets?status=bogus")).AssertProblemAsync(HttpStatusCode.BadRequest, "status");
        await (await client.GetAsync("/tickets?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "limit");
    }

    [Fact]
    public async Task Ticket_fields_that_are_always_sent_are_required_and_status_and_priority_are_enums()
    {
        var document = await DocumentAsync();
        var ticket = Schema(document, "TicketResponse");
        var properties = ticket.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(properties, Strings(ticket.GetProperty("required")).ToHashSet());

        var status = ticket.GetProperty("properties").GetProperty("status");
        Assert.Equal("string", status.GetProperty("type").GetString());
        Assert.Equal(["open", "in_progress", "pending", "resolved", "closed"], Strings(status.GetProperty("enum")));
        Assert.Equal(["low", "medium", "high", "urgent"], Strings(ticket.GetProperty("properties").GetProperty("priority").GetProperty("enum")));
        // Nullable only where the column is.
        Assert.Equal(JsonValueKind.String, ticket.GetProperty("properties").GetProperty("title").GetProperty("type").ValueKind);
        Assert.Contains("null", Strings(ticket.GetProperty("properties").GetProperty("category").GetProperty("type")));

        Assert.Equal(["public", "private"], Strings(Schema(document, "CommentResponse").GetProperty("properties").GetProperty("comment_type").GetProperty("enum")));
        Assert.Equal(["customer", "agent", "admin"], Strings(Schema(document, "UserRole").GetProperty("enum")));
        // A nullable use in a request (priority may be null when opening) does not make the shared enum nullable.
        Assert.DoesNotContain(Schema(document, "TicketPriority").GetProperty("enum").EnumerateArray(), v => v.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task Request_bodies_require_what_the_validator_requires_and_partial_updates_nothing()
    {
        var document = await DocumentAsync();
        Assert.Equal(["title", "description"], Strings(Schema(document, "CreateTicketRequest").GetProperty("required")));
        Assert.False(Schema(document, "UpdateTicketRequest").TryGetProperty("required", out _));
        var update = Schema(document, "UpdateTicketRequest").GetProperty("properties");
        // null clears category and assignee_id; null status is refused, so it is not offered.
        Assert.Contains("null", Strings(update.GetProperty("category").GetProperty("type")));
        Assert.Equal("string", update.GetProperty("status").GetProperty("type").GetString());
        Assert.Equal(["open", "in_progress", "pending", "resolved", "closed"], Strings(update.GetProperty("status").GetProperty("enum")));
    }

    [Fact]
    public async Task Anonymous_routes_say_security_is_empty_and_protected_ones_name_the_bearer_scheme()
    {
        var document = await DocumentAsync();
        foreach (var (method, path, operation) in Operations(document))
        {
            var security = operation.GetProperty("security");
            var anonymous = path.StartsWith("/health", StringComparison.Ordinal)
                || path is "/auth/register" or "/auth/login" or "/auth/refresh" or "/auth/logout" or "/auth/forgot-password" or "/auth/reset-password";
            if (anonymous)
                Assert.True(security.GetArrayLength() == 0, $"{method} {path} declares security: []");
            else
                Assert.True(security.EnumerateArray().Any(r => r.TryGetProperty("Bearer", out _)), $"{method} {path} needs a bearer token");
        }
    }

    [Fact]
    public async Task One_problem_schema_documents_what_problem_bodies_carry_and_every_route_uses_it()
    {
        var document = await DocumentAsync();
        var problem = Schema(document, "Problem");
        Assert.Equal(["type", "title", "status", "detail", "instance", "trace_id", "errors"],
            problem.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(["title", "status", "instance", "trace_id"], Strings(problem.GetProperty("required")));
        Assert.False(document.GetProperty("components").GetProperty("schemas").TryGetProperty("HttpValidationProblemDetails", out _));

        foreach (var (method, path, operation) in Operations(document))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                if (path.StartsWith("/health", StringComparison.Ordinal) && response.Name == "503")
                    continue; // the probes answer 503 with their own body
                var reference = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
                Assert.True(reference == "#/components/schemas/Problem", $"{method} {path} {response.Name} is a Problem");
            }
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
            if (!path.StartsWith("/health", StringComparison.Ordinal))
                Assert.True(statuses.IsSupersetOf(["429", "500", "503"]), $"{method} {path} declares 429, 500, 503");
            if (operation.TryGetProperty("requestBody", out _))
                Assert.True(statuses.IsSupersetOf(["400", "413", "415"]), $"{method} {path} declares 400, 413, 415");
        }

        var update = document.GetProperty("paths").GetProperty("/tickets/{id}").GetProperty("patch");
        Assert.True(update.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet().IsSupersetOf(["403", "404", "409", "412", "422"]));
        Assert.Contains(update.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match" && p.GetProperty("in").GetString() == "header");
        Assert.Contains("401", document.GetProperty("paths").GetProperty("/auth/login").GetProperty("post").GetProperty("responses").EnumerateObject().Select(r => r.Name));
    }

    [Fact]
    public async Task Problem_bodies_the_service_sends_fit_the_problem_schema()
    {
        var document = await DocumentAsync();
        var problem = Schema(document, "Problem");
        var allowed = problem.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
        var required = Strings(problem.GetProperty("required"));

        using var anonymous = app.Anonymous();
        var bodies = new[]
        {
            await (await anonymous.GetAsync("/auth/me")).JsonAsync(),
            await (await anonymous.PostAsync("/auth/login", new StringContent("{\"email\":\"\",\"password\":\"\"}", System.Text.Encoding.UTF8, "application/json"))).JsonAsync(),
            await (await anonymous.PostAsync("/auth/login", new StringContent("x", System.Text.Encoding.UTF8, "text/plain"))).JsonAsync(),
        };
        foreach (var body in bodies)
        {
            var names = body.EnumerateObject().Select(p => p.Name).ToList();
            Assert.True(names.All(allowed.Contains), "undocumented problem field in " + body);
            Assert.True(required.All(names.Contains), "a required problem field is missing in " + body);
        }
    }

    [Fact]
    public async Task Component_names_are_valid_and_the_server_url_has_no_trailing_slash()
    {
        var document = await DocumentAsync();
        var invalid = document.GetProperty("components").GetProperty("schemas").EnumerateObject()
            .Select(s => s.Name).Where(n => !ComponentName().IsMatch(n)).ToList();
        Assert.True(invalid.Count == 0, "invalid component names: " + string.Join(", ", invalid));
        Assert.DoesNotContain(document.GetProperty("components").GetProperty("schemas").EnumerateObject(), s => s.Name.StartsWith("OptionalOf", StringComparison.Ordinal));
        foreach (var server in document.GetProperty("servers").EnumerateArray())
            Assert.False(server.GetProperty("url").GetString()!.EndsWith('/'), "server URL ends with /");
    }

    [Theory]
    [InlineData("Login", "401")]
    [InlineData("Refresh", "401")]
    [InlineData("CreateTicket", "403")]
    [InlineData("AddComment", "403")]
    [InlineData("UpdateTicket", "412")]
    [InlineData("PatchTicket", "422")]
    [InlineData("AssignTicket", "412")]
    [InlineData("CreateArticle", "404")]
    public async Task Problems_only_the_handler_knows_are_declared_by_the_route(string operationId, string status)
    {
        var document = await DocumentAsync();
        var operation = Operations(document).Single(o => o.Operation.GetProperty("operationId").GetString() == operationId).Operation;

        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out var response), $"{operationId} does not declare {status}");
        Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{operationId} {status} is not a problem");
        if (status == "412")
            Assert.Contains(operation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match");
    }

    [Theory]
    [InlineData("CreateTicket", true)]
    [InlineData("AddComment", true)]
    [InlineData("CreateArticle", true)]
    [InlineData("Login", false)]
    [InlineData("Refresh", false)]
    [InlineData("UploadAttachments", false)]
    [InlineData("UpdateTicket", false)]
    public async Task Signed_in_json_posts_declare_the_idempotency_key_and_its_409_and_422_and_other_routes_do_not(string operationId, bool takesKey)
    {
        var document = await DocumentAsync();
        var operation = Operations(document).Single(o => o.Operation.GetProperty("operationId").GetString() == operationId).Operation;
        var header = operation.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray().Where(p => p.GetProperty("name").GetString() == "Idempotency-Key").ToList()
            : [];

        Assert.Equal(takesKey ? 1 : 0, header.Count);
        if (!takesKey)
            return;
        Assert.Equal("header", header[0].GetProperty("in").GetString());
        Assert.Equal(255, header[0].GetProperty("schema").GetProperty("maxLength").GetInt32());
        var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.True(statuses.IsSupersetOf(["400", "409", "422"]), $"{operationId} declares 400, 409, 422");
    }

    [Fact]
    public async Task Health_probes_answer_503_with_their_own_body_and_liveness_never_503()
    {
        var document = await DocumentAsync();
        JsonElement Responses(string id) => Operations(document).Single(o => o.Operation.GetProperty("operationId").GetString() == id).Operation.GetProperty("responses");

        foreach (var probe in new[] { "Health", "Readiness" })
            Assert.True(Responses(probe).GetProperty("503").GetProperty("content").TryGetProperty("application/json", out _), $"{probe} 503 has no body of its own");
        Assert.False(Responses("Liveness").TryGetProperty("503", out _), "Liveness declares a 503 it never answers");
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex ComponentName();
}
