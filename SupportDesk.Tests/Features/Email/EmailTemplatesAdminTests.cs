using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Features.Email;

/// <summary>
/// Template admin routes on the shared app. Tests that change a template change one of their own (inserted by SQL),
/// never the shipped defaults other tests render.
/// </summary>
public sealed class EmailTemplatesAdminTests(AppFixture app)
{
    private static readonly string[] DefaultKeys =
        ["comment_added", "password_reset", "sla_breached", "sla_warning", "ticket_assigned", "ticket_created", "ticket_status_changed"];

    private async Task<HttpClient> AdminAsync() => app.ClientFor(await app.CreateUserAsync("admin"));

    [Fact]
    public async Task The_default_templates_are_listed_and_each_can_be_read()
    {
        using var client = await AdminAsync();
        var response = await client.GetAsync("/email-templates");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = (await response.JsonAsync()).EnumerateArray().ToList();
        var keys = list.Select(t => t.GetProperty("key").GetString()!).ToList();
        Assert.All(DefaultKeys, key => Assert.Contains(key, keys));
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);

        foreach (var key in DefaultKeys)
        {
            var one = await (await client.GetAsync($"/email-templates/{key}")).JsonAsync();
            Assert.Equal(key, one.GetProperty("key").GetString());
            Assert.True(one.GetProperty("is_active").GetBoolean());
            Assert.False(string.IsNullOrWhiteSpace(one.GetProperty("subject").GetString()));
            Assert.Contains("{{ recipient_name }}", one.GetProperty("html_body").GetString());
            Assert.Contains("{{ recipient_name }}", one.GetProperty("text_body").GetString());
        }
        Assert.Contains("{{ reset_link }}", (await (await client.GetAsync("/email-templates/password_reset")).JsonAsync()).GetProperty("text_body").GetString());
    }

    [Fact]
    public async Task Unknown_keys_are_404_on_every_route()
    {
        using var client = await AdminAsync();
        await (await client.GetAsync("/email-templates/no_such_key")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PutAsJsonAsync("/email-templates/no_such_key", new { subject = "s", html_body = "h", text_body = "t", is_active = true }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsJsonAsync("/email-templates/no_such_key/preview", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_replaces_the_template()
    {
        await using var db = await app.OpenConnectionAsync();
        var key = await EmailTestData.CreateTemplateAsync(db);
        var before = await db.QuerySingleAsync<DateTime>("SELECT updated_at FROM email_templates WHERE key = @key", new { key });
        using var client = await AdminAsync();

        var response = await client.PutAsJsonAsync($"/email-templates/{key}", new
        {
            subject = "Now {{ ticket_status }}",
            html_body = "<h1>{{ ticket_title }}</h1>",
            text_body = "{{ ticket_title }} is {{ ticket_status }}",
            is_active = false,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("Now {{ ticket_status }}", body.GetProperty("subject").GetString());
        Assert.False(body.GetProperty("is_active").GetBoolean());

        var row = await db.QuerySingleAsync<(string Subject, string HtmlBody, string TextBody, bool IsActive, DateTime UpdatedAt)>(
            "SELECT subject, html_body, text_body, is_active, updated_at FROM email_templates WHERE key = @key", new { key });
        Assert.Equal(("Now {{ ticket_status }}", "<h1>{{ ticket_title }}</h1>", "{{ ticket_title }} is {{ ticket_status }}", false), (row.Subject, row.HtmlBody, row.TextBody, row.IsActive));
        Assert.True(row.UpdatedAt > before);
    }

    [Theory]
    [InlineData("html_body", "<p>{{ ticket_title </p>", "was expected at (1:")]
    [InlineData("text_body", "{% if ticket_title %}never closed", "'{% endif %}' was expected at (1:")]
    [InlineData("subject", "{% frobnicate %}", "Unknown tag 'frobnicate' at (1:")]
    [InlineData("subject", "Hi {{ tiket_title }}", "Undefined variable 'tiket_title'")]
    [InlineData("html_body", "{{ ticket_title | no_such_filter }}", "no_such_filter")]
    [InlineData("text_body", "{% render 'somewhere' %}", "somewhere")]
    public async Task Invalid_liquid_is_a_400_naming_the_field_and_quoting_the_parser_and_is_never_saved(string field, string source, string quoted)
    {
        await using var db = await app.OpenConnectionAsync();
        var key = await EmailTestData.CreateTemplateAsync(db);
        using var client = await AdminAsync();
        var draft = new Dictionary<string, object>
        {
            ["subject"] = "Fine {{ ticket_title }}",
            ["html_body"] = "<p>fine</p>",
            ["text_body"] = "fine",
            ["is_active"] = true,
            [field] = source,
        };

        var problem = await (await client.PutAsJsonAsync($"/email-templates/{key}", draft)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
        var message = problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.Contains(quoted, message);
        Assert.StartsWith($"'{field}' is not a valid Liquid template", message);

        var stored = await db.QuerySingleAsync<string>($"SELECT {field} FROM email_templates WHERE key = @key", new { key });
        Assert.NotEqual(source, stored);
        var preview = await client.PostAsJsonAsync($"/email-templates/{key}/preview", new Dictionary<string, string> { [field] = source });
        await preview.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Put_requires_every_field()
    {
        await using var db = await app.OpenConnectionAsync();
        var key = await EmailTestData.CreateTemplateAsync(db);
        using var client = await AdminAsync();
        await (await client.PutAsJsonAsync($"/email-templates/{key}", new { subject = "s", html_body = "h", text_body = "" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "text_body", "is_active");
        await (await client.PutAsJsonAsync($"/email-templates/{key}", new { subject = "s", html_body = "h", text_body = "t", is_active = true, key = "other" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "key");
        await (await client.PutAsJsonAsync($"/email-templates/{key}", new { subject = new string('s', 501), html_body = "h", text_body = "t", is_active = true }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "subject");
    }

    [Fact]
    public async Task Preview_renders_the_stored_template_against_sample_data()
    {
        using var client = await AdminAsync();
        var response = await client.PostAsync("/email-templates/ticket_created/preview", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("[#1042] We received your request: Cannot sign in after the update", body.GetProperty("subject").GetString());
        Assert.Contains("<strong>#1042 Cannot sign in after the update</strong>", body.GetProperty("html_body").GetString());
        Assert.Contains("Hello Cara,", body.GetProperty("text_body").GetString());
        Assert.Contains(EmailModel.Sample.TicketLink!, body.GetProperty("text_body").GetString());

        var reset = await (await client.PostAsJsonAsync("/email-templates/password_reset/preview", new { })).JsonAsync();
        Assert.Equal("Reset your SupportDesk password", reset.GetProperty("subject").GetString());
        Assert.Contains(EmailModel.Sample.ResetLink!, reset.GetProperty("text_body").GetString());
    }

    [Fact]
    public async Task Preview_renders_a_posted_draft_without_saving_it()
    {
        await using var db = await app.OpenConnectionAsync();
        var key = await EmailTestData.CreateTemplateAsync(db, subject: "Stored {{ ticket_title }}");
        using var client = await AdminAsync();

        var response = await client.PostAsJsonAsync($"/email-templates/{key}/preview", new { html_body = "<p>{{ ticket_title | upcase }} for {{ recipient_name }}</p>" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("<p>CANNOT SIGN IN AFTER THE UPDATE for Cara</p>", body.GetProperty("html_body").GetString());
        Assert.Equal("[#1042] Stored Cannot sign in after the update", body.GetProperty("subject").GetString());
        Assert.Equal("Text Cannot sign in after the update", body.GetProperty("text_body").GetString());
        Assert.Equal("<p>{{ ticket_title }}</p>", await db.QuerySingleAsync<string>("SELECT html_body FROM email_templates WHERE key = @key", new { key }));
    }

    [Fact]
    public async Task Readme_documents_every_model_field()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SupportDesk.csproj")))
            dir = dir.Parent;
        Assert.NotNull(dir);
        var readme = await File.ReadAllTextAsync(Path.Combine(dir.FullName, "README.md"));
        var start = readme.IndexOf("## Email templates", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has a section 'Email templates'");
        var next = readme.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        var section = next < 0 ? readme[start..] : readme[start..next];
        Assert.All(EmailModel.FieldNames, name => Assert.Contains($"`{name}`", section));
        Assert.Contains("reset_link", EmailModel.FieldNames);
    }
}
