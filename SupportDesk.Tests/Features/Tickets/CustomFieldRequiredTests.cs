using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>Required fields apply to every ticket of a database, so these run in one of their own, one field at a time.</summary>
public sealed class CustomFieldRequiredTests(IsolatedFieldsApp app) : IClassFixture<IsolatedFieldsApp>
{
    [Fact]
    public async Task Required_on_create_binds_whoever_may_set_the_field()
    {
        var (_, admin) = await app.UserAsync("admin");
        var (_, agent) = await app.UserAsync("agent");
        var (_, customer) = await app.UserAsync("customer");
        var staffOnly = await admin.CreateFieldAsync(new { key = "account_id", label = "Account", type = "text", required_on_create = true });
        try
        {
            var title = $"Without account {Guid.NewGuid():N}";
            await (await agent.PostAsJsonAsync("/tickets", new { title, description = "d" })).AssertProblemAsync(HttpStatusCode.BadRequest, "custom_fields.account_id");
            await using (var db = await app.OpenConnectionAsync())
                Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM tickets WHERE title = @title", new { title }));
            await agent.CreateTicketAsync(new { title = "With", description = "d", custom_fields = new { account_id = "ACME-1" } });
            // A customer cannot set a staff-only field, so it cannot be required of them.
            await customer.CreateTicketAsync(new { title = "Customer's", description = "d" });

            Assert.Equal(HttpStatusCode.OK, (await admin.PatchJsonAsync($"/ticket-fields/{staffOnly.Id()}", new { customer_visible = true, customer_editable = true })).StatusCode);
            await (await customer.PostAsJsonAsync("/tickets", new { title = "Again", description = "d" })).AssertProblemAsync(HttpStatusCode.BadRequest, "custom_fields.account_id");
            await (await customer.PostAsJsonAsync("/tickets", new { title = "Again", description = "d", custom_fields = new { account_id = (string?)null } }))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "custom_fields.account_id");
            await customer.CreateTicketAsync(new { title = "Again", description = "d", custom_fields = new { account_id = "ACME-2" } });
        }
        finally
        {
            await admin.DeleteAsync($"/ticket-fields/{staffOnly.Id()}");
        }
    }

    [Fact]
    public async Task Required_to_resolve_refuses_resolving_or_closing_without_the_value_and_writes_nothing()
    {
        var (_, admin) = await app.UserAsync("admin");
        var (_, agent) = await app.UserAsync("agent");
        var (customerUser, customer) = await app.UserAsync("customer");
        var cause = await admin.CreateFieldAsync(new { key = "root_cause", label = "Root cause", type = "dropdown", options = TicketFieldTestData.Options("bug", "user"), required_to_resolve = true });
        var agreed = await admin.CreateFieldAsync(new { key = "terms_ok", label = "Terms accepted", type = "checkbox", required_to_resolve = true });
        try
        {
            var ticket = await customer.CreateTicketAsync(new { title = "Broken", description = "d" });
            var refused = await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "resolved" });
            await refused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "custom_fields.root_cause");
            await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "closed", custom_fields = new { root_cause = "bug", terms_ok = false } }))
                .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "custom_fields.terms_ok");
            await using (var db = await app.OpenConnectionAsync())
            {
                var row = await db.QuerySingleAsync<(string Status, int Version, string Fields)>("SELECT status, version, custom_fields::text FROM tickets WHERE id = @id", new { id = ticket.Id() });
                Assert.Equal(("open", 1, "{}"), row);
            }

            // Other moves are not held up; the customer closing their ticket is not either (they cannot set staff-only fields).
            Assert.Equal(HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "in_progress" })).StatusCode);
            var resolved = await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "resolved", custom_fields = new { root_cause = "user", terms_ok = true } });
            Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
            Assert.Equal("user", (await resolved.JsonAsync()).GetProperty("custom_fields").Str("root_cause"));
            var other = await customer.CreateTicketAsync(new { title = "Other", description = "d" });
            Assert.Equal(HttpStatusCode.OK, (await customer.PatchJsonAsync($"/tickets/{other.Id()}", new { status = "closed" })).StatusCode);
            Assert.NotEqual(Guid.Empty, customerUser.Id);
        }
        finally
        {
            await admin.DeleteAsync($"/ticket-fields/{cause.Id()}");
            await admin.DeleteAsync($"/ticket-fields/{agreed.Id()}");
        }
    }
}
