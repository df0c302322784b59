using System.Text;

namespace SupportDesk.Tests.Security;

/// <summary>
/// anonymous, customer A (owner of the objects), customer B (no organization), customer C (A's colleague in a shared
/// organization that lets members reply), customer D (in another shared organization), agent, admin, an agent
/// restricted to their groups × every route of the route table, against a declared expectation. A route without a
/// declared expectation fails the suite, so a new route
/// cannot ship without someone deciding who may call it.
/// </summary>
public sealed class AuthorizationMatrixTests(ITestOutputHelper output)
{
    private static readonly string?[] Callers = [null, "owner", "stranger", "colleague", "outsider", "agent", "admin", "restricted"];

    // Expected status for (anonymous, owner, stranger, colleague, outsider, agent, admin, restricted). Objects in paths
    // belong to the owner. The colleague reads and replies publicly (shared, shared_comments) but changes nothing of the
    // ticket. "restricted" is an agent restricted to their groups, and the owner's ticket is in none of them nor assigned to them.
    private static readonly Dictionary<string, int[]> Expected = new()
    {
        ["GET /health"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /health/live"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /health/ready"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["POST /auth/register"] = [201, 201, 201, 201, 201, 201, 201, 201],
        ["POST /auth/login"] = [200, 200, 200, 200, 200, 200, 200, 200],
        ["GET /auth/me"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["POST /auth/refresh"] = [401, 401, 401, 401, 401, 401, 401, 401],
        ["POST /auth/logout"] = [204, 204, 204, 204, 204, 204, 204, 204],
        ["POST /auth/change-password"] = [401, 400, 400, 400, 400, 400, 400, 400],
        ["POST /auth/forgot-password"] = [202, 202, 202, 202, 202, 202, 202, 202],
        ["POST /auth/reset-password"] = [400, 400, 400, 400, 400, 400, 400, 400],
        ["GET /users"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["POST /users"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["GET /users/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["PATCH /users/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["GET /organizations"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["POST /organizations"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["GET /organizations/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["PATCH /organizations/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /organizations/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["GET /organizations/{id:guid}/members"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["PUT /organizations/{id:guid}/members/{userId:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /organizations/{id:guid}/members/{userId:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["GET /tickets"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["POST /tickets"] = [401, 201, 201, 201, 201, 201, 201, 201],
        ["GET /tickets/{id:guid}"] = [401, 200, 404, 200, 404, 200, 200, 404],
        ["GET /tickets/by-number/{number:long}"] = [401, 200, 404, 200, 404, 200, 200, 404],
        ["PUT /tickets/{id:guid}"] = [401, 200, 404, 403, 404, 200, 200, 404],
        ["PATCH /tickets/{id:guid}"] = [401, 200, 404, 403, 404, 200, 200, 404],
        ["DELETE /tickets/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["POST /tickets/{id:guid}/assign"] = [401, 403, 403, 403, 403, 200, 200, 404],
        ["POST /tickets/{id:guid}/comments"] = [401, 201, 404, 201, 404, 201, 201, 404],
        ["GET /tickets/{id:guid}/comments"] = [401, 200, 404, 200, 404, 200, 200, 404],
        ["GET /tickets/{id:guid}/history"] = [401, 200, 404, 200, 404, 200, 200, 404],
        // The seeded group has the agent as its member.
        ["GET /groups"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["GET /groups/{id:guid}"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["POST /groups"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["PATCH /groups/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /groups/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["PUT /groups/{id:guid}/members/{userId:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /groups/{id:guid}/members/{userId:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["GET /routing-rules"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["POST /routing-rules"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["PATCH /routing-rules/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /routing-rules/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        // The seeded view is the agent's, shared with everyone: others use it, only its owner and admins change it.
        ["GET /views"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["GET /views/counts"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["POST /views"] = [401, 403, 403, 403, 403, 201, 201, 201],
        ["PUT /views/{id:guid}"] = [401, 403, 403, 403, 403, 200, 200, 403],
        ["DELETE /views/{id:guid}"] = [401, 403, 403, 403, 403, 204, 204, 403],
        ["GET /views/{id:guid}/tickets"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["PUT /me/availability"] = [401, 403, 403, 403, 403, 200, 200, 200],
        // The seeded attachment is on a public comment of the owner's ticket.
        ["POST /tickets/{id:guid}/attachments"] = [401, 201, 404, 201, 404, 201, 201, 404],
        ["POST /attachments"] = [401, 201, 201, 201, 201, 201, 201, 201],
        ["GET /tickets/{id:guid}/attachments"] = [401, 200, 404, 200, 404, 200, 200, 404],
        ["GET /attachments/{id:guid}"] = [401, 200, 404, 200, 404, 200, 200, 404],
        // Only staff take a file off a comment; its customer may see it, so 403 rather than 404.
        ["DELETE /attachments/{id:guid}"] = [401, 403, 404, 403, 404, 204, 204, 404],
        ["GET /email-templates"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["GET /email-templates/{key}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["PUT /email-templates/{key}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["POST /email-templates/{key}/preview"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["GET /email-outbox"] = [401, 403, 403, 403, 403, 403, 200, 403],
        // The seeded outbox row is pending, not failed, so an admin's retry is a conflict.
        ["POST /email-outbox/{id:guid}/retry"] = [401, 403, 403, 403, 403, 403, 409, 403],
        ["GET /inbound-messages"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["GET /inbound-messages/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        // The seeded inbound mail is processed, not failed or flagged, so an admin's retry is a conflict.
        ["POST /inbound-messages/{id:guid}/retry"] = [401, 403, 403, 403, 403, 403, 409, 403],
        // The seeded article is published, so every signed-in caller may read it; KB_PUBLIC is off.
        ["GET /knowledge-base"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["POST /knowledge-base"] = [401, 403, 403, 403, 403, 201, 201, 201],
        ["GET /knowledge-base/categories"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["GET /knowledge-base/search"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["GET /knowledge-base/slug/{slug}"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["GET /knowledge-base/{id:guid}"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["PUT /knowledge-base/{id:guid}"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["PATCH /knowledge-base/{id:guid}"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["DELETE /knowledge-base/{id:guid}"] = [401, 403, 403, 403, 403, 204, 204, 204],
        // The seeded field is customer_visible, so every signed-in caller may read it; only admins define fields.
        ["GET /ticket-fields"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["POST /ticket-fields"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["GET /ticket-fields/{id:guid}"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["PATCH /ticket-fields/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /ticket-fields/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["GET /search/global"] = [401, 200, 200, 200, 200, 200, 200, 200],
        // The seeded notification is the owner's; nobody else, staff included, may read or mark it.
        ["GET /notifications"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["GET /notifications/unread-count"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["POST /notifications/read-all"] = [401, 200, 200, 200, 200, 200, 200, 200],
        ["POST /notifications/{id:guid}/read"] = [401, 200, 404, 404, 404, 404, 404, 404],
        // Schedules: staff read them, admins change them.
        ["GET /schedules"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["POST /schedules"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["GET /schedules/{id:guid}"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["PUT /schedules/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /schedules/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["GET /sla-policies"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["POST /sla-policies"] = [401, 403, 403, 403, 403, 403, 201, 403],
        ["GET /sla-policies/{id:guid}"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["PUT /sla-policies/{id:guid}"] = [401, 403, 403, 403, 403, 403, 200, 403],
        ["DELETE /sla-policies/{id:guid}"] = [401, 403, 403, 403, 403, 403, 204, 403],
        ["GET /reports/response-times"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["GET /reports/sla-compliance"] = [401, 403, 403, 403, 403, 200, 200, 200],
        ["GET /reports/volume"] = [401, 403, 403, 403, 403, 200, 200, 200],
        // A plain GET (no upgrade) by a signed-in caller is a 400 problem; the suites in Features/Realtime upgrade.
        ["GET /ws"] = [401, 400, 400, 400, 400, 400, 400, 400],
    };

    [Fact]
    public async Task Every_route_answers_every_caller_as_declared()
    {
        await using var app = await SecuritySuiteApp.StartAsync();
        var routes = ApiRoute.From(app.Factory.Services);
        var undeclared = routes.Where(r => !Expected.ContainsKey(r.Key)).Select(r => r.Key).ToList();
        Assert.True(undeclared.Count == 0, "routes without a declared expectation: " + string.Join(", ", undeclared));

        var failures = new List<string>();
        var sent = 0;
        foreach (var route in routes)
        {
            for (var i = 0; i < Callers.Length; i++)
            {
                // Destructive routes get a fresh object per caller, so one caller's delete cannot change the next answer.
                if (route.Method == "DELETE")
                    await app.RefreshObjectsAsync();
                using var client = app.ClientFor(Callers[i]);
                var url = route.Url(p => app.ValueFor(route, p)) + SampleBodies.QueryFor(route);
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), url);
                if (route.BodyType is not null)
                    request.Content = SampleBodies.ContentFor(route, app);
                using var response = await client.SendAsync(request);
                sent++;
                var expected = Expected[route.Key][i];
                if ((int)response.StatusCode != expected)
                    failures.Add($"{Callers[i] ?? "anonymous"} {route.Key}: expected {expected}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            if (route.Method == "DELETE")
                await app.RefreshObjectsAsync();
        }

        output.WriteLine($"authorization matrix: {routes.Count} routes × {Callers.Length} callers = {sent} requests, {failures.Count} unexpected");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// The routes that answer 200 to everyone signed in (lists, search, the socket) differ in what they carry: the
    /// owner's ticket and its public reply reach exactly the owner, the colleague and staff; a private note only staff.
    /// </summary>
    [Fact]
    public async Task Lists_search_and_sockets_carry_the_owners_ticket_to_exactly_who_may_see_it()
    {
        await using var app = await SecuritySuiteApp.StartAsync();
        var ticket = Guid.Parse(app.Objects["ticket"]);
        var word = SearchTestData.Word();
        var secret = SearchTestData.Word();
        using (var agent = app.ClientFor("agent"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket}", new { title = $"Owner's ticket {word}" })).StatusCode);
            await agent.AddCommentAsync(ticket, $"Public answer {word}");
            await agent.AddCommentAsync(ticket, $"Private note {secret}", "private");
        }

        await using var server = await KestrelApp.StartAsync(app.Database.Url);
        var failures = new List<string>();
        foreach (var caller in Callers.Where(c => c is not null).Select(c => c!))
        {
            var sees = caller is "owner" or "colleague" or "agent" or "admin";
            var staff = caller is "agent" or "admin";
            using var client = app.ClientFor(caller);
            void Check(bool actual, bool expected, string what)
            {
                if (actual != expected)
                    failures.Add($"{caller}: {what}: expected {expected}, got {actual}");
            }

            Check((await client.GetOkAsync("/tickets?limit=100")).Ids().Contains(ticket), sees, "GET /tickets lists the ticket");
            Check((await client.GetOkAsync($"/tickets?q={word}")).Ids().Contains(ticket), sees, "GET /tickets?q= finds it by its title");
            var found = await client.GetOkAsync($"/search/global?query={word}");
            Check(found.Items().Any(h => h.Str("type") == "ticket" && h.Id() == ticket), sees, "global search finds it");
            var hidden = await client.GetOkAsync($"/search/global?query={secret}");
            Check(hidden.Items().Any(h => h.Id() == ticket), staff, "global search finds it by the private note");
            if (sees)
            {
                var comments = (await client.GetOkAsync($"/tickets/{ticket}/comments?limit=100")).Items().Select(c => c.Str("content")).ToList();
                Check(comments.Any(c => c.Contains(secret)), staff, "comments include the private note");
                var history = (await client.GetOkAsync($"/tickets/{ticket}/history?limit=100")).Items().Count();
                using var admin = app.ClientFor("admin");
                var all = (await admin.GetOkAsync($"/tickets/{ticket}/history?limit=100")).Items().Count();
                Check(history == all, staff, "history includes the private note's row");
            }

            await using var socket = await WsClient.ConnectAsync(server.WebSocketUri, app.Users[caller].Token);
            await socket.SendJsonAsync(new { action = "subscribe", ticket_id = ticket });
            var answer = await socket.NextMatchingAsync(m => m.Str("type") is "subscribed" or "error");
            Check(answer.Str("type") == "subscribed", sees, "WebSocket subscribe to the ticket");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
