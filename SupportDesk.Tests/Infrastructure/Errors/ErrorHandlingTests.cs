using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SupportDesk.Tests.Infrastructure.Errors;

public sealed class ErrorHandlingTests(AppFixture app)
{
    [Fact]
    public async Task Unknown_route_is_a_404_problem()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        await (await client.GetAsync("/no/such/route")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/tickets?limit=abc", "limit", "whole number")]
    [InlineData("/tickets?sla_due_before=yesterday", "sla_due_before", "ISO 8601")]
    [InlineData("/tickets?requester_id=42", "requester_id", "UUID")]
    [InlineData("/notifications?unread=maybe", "unread", "true or false")]
    [InlineData("/reports/volume?from=x", "from", "ISO 8601")]
    public async Task A_query_value_of_the_wrong_type_is_a_400_naming_it_as_sent(string url, string field, string expected)
    {
        using var client = app.ClientFor(await app.CreateUserAsync("agent"));
        var problem = await (await client.GetAsync(url)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
        var message = problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.Contains(expected, message);
        // The framework's own wording names the C# parameter ("Nullable<int> Limit"), which no client sent.
        Assert.DoesNotContain("Nullable", problem.GetRawText());
    }

    [Fact]
    public async Task Wrong_method_is_a_405_problem()
    {
        using var client = app.Anonymous();
        await (await client.DeleteAsync("/auth/login")).AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task Responses_carry_security_headers_and_a_trace_id()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/health");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Matches("^[0-9a-f]{32}$", response.Headers.GetValues("X-Trace-Id").Single());
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_500_problem_with_a_trace_id_and_no_stack()
    {
        using var factory = app.Factory.WithWebHostBuilder(b => b.ConfigureServices(s =>
            s.AddSingleton<IStartupFilter>(new ThrowingRouteFilter())));
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", (await app.RegisterCustomerAsync()).Token);

        var response = await client.GetAsync("/__boom");

        var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError);
        var text = problem.GetRawText();
        Assert.DoesNotContain("InvalidOperationException", text);
        Assert.DoesNotContain("secret detail", text);
        Assert.DoesNotContain(" at ", problem.GetProperty("detail").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString()!);
    }

    /// <summary>Adds a route after the app's own pipeline (so behind its exception handler) that always throws.</summary>
    private sealed class ThrowingRouteFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => builder =>
        {
            next(builder);
            builder.Use((HttpContext context, RequestDelegate _) =>
                context.Request.Path == "/__boom"
                    ? throw new InvalidOperationException("secret detail")
                    : Task.CompletedTask);
        };
    }
}
