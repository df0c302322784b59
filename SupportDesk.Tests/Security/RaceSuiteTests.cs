using System.Text;

namespace SupportDesk.Tests.Security;

/// <summary>
/// Parallel sequences no hand-written test names, generated from the route table: every write sent several times at
/// once with the same body (double submits, retried requests, two tabs), and every write raced against the delete of
/// the object it writes into (a comment while the ticket goes, a member while the group goes). Whatever wins, no
/// request may answer with a 5xx (a unique or foreign-key violation that escaped), none may be bounced with "retry"
/// because the service deadlocked with itself, and every refusal is a problem+json.
/// </summary>
public sealed class RaceSuiteTests(ITestOutputHelper output)
{
    private const int Copies = 6;

    [Fact]
    public async Task No_write_answers_a_parallel_duplicate_or_a_racing_delete_with_a_5xx()
    {
        await using var app = await SecuritySuiteApp.StartAsync();
        var routes = ApiRoute.From(app.Factory.Services).Where(r => r.Method != "GET").ToList();
        var deletes = routes.Where(r => r.Method == "DELETE").ToList();
        var unexpected = new List<string>();
        var sent = 0;

        foreach (var route in routes)
        {
            var body = BodyText(route, app);
            var requests = Enumerable.Range(0, Copies).Select(_ => Request(route, app, body)).ToList();
            sent += requests.Count;
            unexpected.AddRange(await RaceAsync(app, $"{route.Key} ×{Copies}", requests, output.WriteLine));
            if (route.Method == "DELETE")
                await app.RefreshObjectsAsync();
        }

        foreach (var route in routes)
            foreach (var delete in deletes.Where(d => d != route && IsWithin(route, d)))
            {
                var body = BodyText(route, app);
                var requests = Enumerable.Range(0, 3).Select(_ => Request(route, app, body)).Append(Request(delete, app, null)).ToList();
                sent += requests.Count;
                unexpected.AddRange(await RaceAsync(app, $"{route.Key} ×3 against {delete.Key}", requests, output.WriteLine));
                await app.RefreshObjectsAsync();
            }

        // The same double submit with one Idempotency-Key: whatever the route, at most one success, which every
        // other success replays byte for byte.
        foreach (var route in routes.Where(r => r.Method == "POST" && !r.IsMultipart && !r.Pattern.StartsWith("/auth", StringComparison.Ordinal)))
        {
            var body = BodyText(route, app);
            var key = Guid.NewGuid().ToString();
            var requests = Enumerable.Range(0, Copies).Select(_ => Keyed(Request(route, app, body), key)).ToList();
            sent += requests.Count;
            var successes = new List<string>();
            unexpected.AddRange(await RaceAsync(app, $"{route.Key} ×{Copies} with one Idempotency-Key", requests, output.WriteLine, successes));
            if (successes.Distinct().Count() > 1)
                unexpected.Add($"{route.Key} ×{Copies} with one Idempotency-Key: {successes.Distinct().Count()} different successes");
        }

        output.WriteLine($"race suite: {routes.Count} write routes, {sent} requests, {unexpected.Count} unexpected answers");
        Assert.True(routes.Count >= 20, $"only {routes.Count} write routes found");
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} of {sent} racing requests answered unexpectedly:\n" + string.Join("\n", unexpected.Take(60)));
    }

    /// <summary>A delete whose object the route writes into or below: its pattern is the route's pattern or a prefix of it.</summary>
    private static bool IsWithin(ApiRoute route, ApiRoute delete) =>
        route.Pattern == delete.Pattern || route.Pattern.StartsWith(delete.Pattern + "/", StringComparison.Ordinal);

    // One body text for all copies, so a create with a unique name collides with itself.
    private static string? BodyText(ApiRoute route, SecuritySuiteApp app) =>
        route.BodyType is null || route.IsMultipart ? null : SampleBodies.For(route, app).ToJsonString();

    private static Func<HttpRequestMessage> Request(ApiRoute route, SecuritySuiteApp app, string? body) => () =>
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Url(p => app.ValueFor(route, p)));
        if (route.IsMultipart)
            request.Content = SampleBodies.ContentFor(route, app);
        else if (body is not null)
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    };

    private static Func<HttpRequestMessage> Keyed(Func<HttpRequestMessage> request, string key) => () =>
    {
        var message = request();
        message.Headers.TryAddWithoutValidation(SupportDesk.Infrastructure.Idempotency.IdempotencyKeys.Header, key);
        return message;
    };

    private static async Task<List<string>> RaceAsync(SecuritySuiteApp app, string description, List<Func<HttpRequestMessage>> requests,
        Action<string>? log = null, List<string>? successes = null)
    {
        using var client = app.ClientFor("admin");
        var messages = requests.Select(r => r()).ToList();
        // Every request is built before any is sent, and all start together.
        using var start = new SemaphoreSlim(0);
        var sends = messages.Select(async message =>
        {
            await start.WaitAsync();
            using var response = await client.SendAsync(message);
            return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.Release(messages.Count);
        var answers = await Task.WhenAll(sends);
        foreach (var message in messages)
            message.Dispose();

        var unexpected = new List<string>();
        log?.Invoke($"{description}: {string.Join(' ', answers.Select(a => a.Item1))}");
        foreach (var (status, type, text) in answers)
        {
            if (status is >= 200 and < 300)
                successes?.Add(text);
            if (status >= 500)
                unexpected.Add($"{description}: {status} {text[..Math.Min(300, text.Length)]}");
            else if (status >= 400 && status != 429 && type != "application/problem+json")
                unexpected.Add($"{description}: {status} with {type ?? "no body"}, not a problem");
            // A deadlock or serialization failure that reached the client: the service should order its own locks.
            else if (status == 409 && text.Contains("changed concurrently", StringComparison.Ordinal))
                unexpected.Add($"{description}: {status} a deadlock or serialization failure reached the client");
        }
        return unexpected;
    }
}
