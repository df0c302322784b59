using System.Text.RegularExpressions;
using Dapper;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>
/// The ticket read every ticket route makes is prepared so PostgreSQL plans it once per connection. That only holds if
/// PostgreSQL settles on the generic plan; a statement whose custom plan always looks cheaper is planned on every run
/// (the staff read did that until it got its own statement: bench/README.md, the read path).
/// </summary>
public sealed class TicketReadPlanTests(AppFixture app)
{
    private const string PlansSql = """
        SELECT coalesce(sum(generic_plans), 0)::int AS generic, coalesce(sum(custom_plans), 0)::int AS custom
        FROM pg_prepared_statements WHERE statement = @Statement
        """;

    [Theory]
    [InlineData("agent", false)]
    [InlineData("admin", false)]
    [InlineData("customer", false)]
    [InlineData("agent", true)]
    [InlineData("customer", true)]
    public async Task Repeated_reads_settle_on_the_generic_plan(string role, bool forUpdate)
    {
        var owner = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(owner);
        var ticketId = (await client.CreateTicketAsync()).GetProperty("id").GetGuid();
        var reader = role == "customer" ? owner : await app.CreateUserAsync(role);
        var user = new CurrentUser(reader.Id, Roles.Parse(role));

        await using var connection = await app.OpenConnectionAsync();
        var statement = new { Statement = AsSent(TicketAccess.LoadSqlFor(user.SeesAllTickets, forUpdate)) };
        // The physical connection may have run it before (pooling): count this test's runs only.
        var before = await connection.QuerySingleAsync<(int Generic, int Custom)>(PlansSql, statement);
        const int runs = 10;
        for (var i = 0; i < runs; i++)
        {
            await using var transaction = forUpdate ? await connection.BeginTransactionAsync() : null;
            var ticket = await TicketAccess.LoadAsync(connection, transaction, ticketId, user, CancellationToken.None);
            Assert.Equal(ticketId, ticket.Id);
        }

        var after = await connection.QuerySingleAsync<(int Generic, int Custom)>(PlansSql, statement);
        var plans = (Generic: after.Generic - before.Generic, Custom: after.Custom - before.Custom);
        Assert.Equal(runs, plans.Generic + plans.Custom);
        // PostgreSQL tries five custom plans before it compares; every run after them is the generic plan.
        Assert.True(plans.Generic >= runs - 5, $"{plans.Generic} generic and {plans.Custom} custom plans in {runs} runs");
    }

    // Npgsql sends named parameters as positional ones, numbered in the order they first appear in the text.
    private static string AsSent(string sql)
    {
        var numbers = new Dictionary<string, int>();
        return Regex.Replace(sql, "@[A-Za-z]+", m => "$" + (numbers.TryGetValue(m.Value, out var n) ? n : numbers[m.Value] = numbers.Count + 1));
    }

    [Fact]
    public async Task The_staff_statement_still_hides_deleted_tickets_and_a_stranger_still_gets_not_found()
    {
        var owner = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(owner);
        var ticketId = (await client.CreateTicketAsync()).GetProperty("id").GetGuid();
        var agent = await app.CreateUserAsync("agent");
        var stranger = await app.RegisterCustomerAsync();

        await using var connection = await app.OpenConnectionAsync();
        var seen = await TicketAccess.LoadAsync(connection, null, ticketId, new CurrentUser(agent.Id, UserRole.Agent), CancellationToken.None);
        Assert.Equal(ticketId, seen.Id);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            TicketAccess.LoadAsync(connection, null, ticketId, new CurrentUser(stranger.Id, UserRole.Customer), CancellationToken.None));

        await connection.ExecuteAsync("UPDATE tickets SET deleted_at = now() WHERE id = @ticketId", new { ticketId });
        await Assert.ThrowsAsync<NotFoundException>(() =>
            TicketAccess.LoadAsync(connection, null, ticketId, new CurrentUser(agent.Id, UserRole.Agent), CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            TicketAccess.LoadAsync(connection, null, ticketId, new CurrentUser(owner.Id, UserRole.Customer), CancellationToken.None));
    }
}
