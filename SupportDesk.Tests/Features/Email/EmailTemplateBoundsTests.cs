using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Fluid;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Features.Email;

/// <summary>
/// Templates that would allocate gigabytes (Fluid bounds steps, not sizes) are refused quickly, with little memory,
/// on save and preview, and a stored one fails only its own email at send time.
/// </summary>
public sealed class EmailTemplateBoundsTests(AppFixture app)
{
    public static TheoryData<string, string> Exploding => new()
    {
        { "html_body", "{% assign s = 'x' %}{% for i in (1..100) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}" },
        { "text_body", "{% assign s = 'x' %}{% for i in (1..100) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}" },
        { "html_body", "{% capture s %}{% for i in (1..100000) %}" + new string('y', 2000) + "{% endfor %}{% endcapture %}" },
        { "text_body", "{% for i in (1..100000) %}" + new string('z', 1000) + "{% endfor %}" },
        { "subject", "{% assign s = 'aaaaaaaaaa' %}{% for i in (1..5) %}{% assign s = s | replace: 'a', s %}{% endfor %}" },
        { "html_body", "{% for i in (1..2000000000) %}{% endfor %}" },
    };

    [Theory]
    [MemberData(nameof(Exploding))]
    public async Task An_exploding_template_is_a_quick_400_naming_the_part_and_is_never_saved(string field, string source)
    {
        await using var db = await app.OpenConnectionAsync();
        var key = await EmailTestData.CreateTemplateAsync(db);
        using var client = app.ClientFor(await app.CreateUserAsync("admin"));
        var draft = new Dictionary<string, object> { ["subject"] = "Fine", ["html_body"] = "<p>fine</p>", ["text_body"] = "fine", ["is_active"] = true, [field] = source };

        // Process-wide, so other tests' allocations count too: generous, yet far below the gigabytes an unbounded render takes.
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        var put = await client.PutAsJsonAsync($"/email-templates/{key}", draft);
        var preview = await client.PostAsJsonAsync($"/email-templates/{key}/preview", new Dictionary<string, string> { [field] = source });
        clock.Stop();
        var grown = GC.GetTotalAllocatedBytes() - allocated;

        var message = (await put.AssertProblemAsync(HttpStatusCode.BadRequest, field)).GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.StartsWith($"'{field}' is not a valid Liquid template", message);
        await preview.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.True(grown < 500_000_000, $"allocated {grown / 1_000_000} MB");
        Assert.NotEqual(source, await db.QuerySingleAsync<string>($"SELECT {field} FROM email_templates WHERE key = @key", new { key }));
    }

    [Theory]
    [MemberData(nameof(Exploding))]
    public void Checking_an_exploding_template_allocates_little(string field, string source)
    {
        _ = field;
        var engine = new EmailTemplateEngine();
        _ = engine.FindError("warm {{ ticket_title | append: 'up' }}");

        // The check runs synchronously on this thread, so this count is exactly its own.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = engine.FindError(source);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.NotNull(error);
        Assert.True(allocated < 200_000_000, $"allocated {allocated / 1_000_000} MB: {error}");
    }

    [Fact]
    public async Task Within_the_bounds_a_template_renders_exactly_as_fluid_renders_it()
    {
        const string source = """
            {%- capture who -%}  {{ recipient_name | upcase }}  {%- endcapture -%}
            Hello {{ who }},
            {% for i in (1..3) -%} [{{ i }}{% cycle 'a', 'b' %}] {%- endfor %}
            {% assign words = ticket_title | split: ' ' %}{{ words | join: '-' | replace: 'in', 'IN' }}
            {%- if comment_text %} {{ comment_text | truncate: 12 }}{% endif -%}
            {% raw %}{{ kept }}{% endraw %}
            """;
        var engine = new EmailTemplateEngine();
        var model = new EmailModel { RecipientName = "Cara", TicketTitle = "Cannot sign in", CommentText = "A rather long comment" };

        var bounded = await engine.RenderAsync(engine.CompileDraft(new EmailTemplateSource("s", source, source)), model, null);

        Assert.True(new FluidParser().TryParse(source, out var plain, out _));
        var context = new TemplateContext();
        foreach (var (name, value) in new[] { ("recipient_name", model.RecipientName), ("ticket_title", model.TicketTitle), ("comment_text", model.CommentText) })
            context.SetValue(name, value);
        var expected = (await plain.RenderAsync(context, NullEncoder.Default)).Trim();
        Assert.Equal(expected, bounded.TextBody);
        Assert.Contains("Hello CARA,", bounded.TextBody);
    }

    [Fact]
    public async Task A_stored_template_past_the_bounds_fails_its_render_not_the_process()
    {
        await using var db = await app.OpenConnectionAsync();
        // Written around the API, as a hand-edited row would be.
        var key = await EmailTestData.CreateTemplateAsync(db,
            htmlBody: "{% assign s = 'x' %}{% for i in (1..100) %}{% assign s = s | append: s %}{% endfor %}{{ s }}");
        var customer = await EmailTestData.CreateUserAsync(db);
        var outbox = app.Factory.Services.GetRequiredService<EmailOutbox>();

        var id = await EmailTestData.EnqueueCommittedAsync(outbox, app.Database.ConnectionString,
            new OutgoingEmail(key, customer.Id, null, new EmailModel { TicketTitle = "Bounded" }));

        // The change that caused the email commits; the email carries the plain fallback instead of the runaway body.
        var row = (await EmailTestData.RowAsync(db, id!.Value))!;
        Assert.Contains("There is an update", row.HtmlBody);
        Assert.True(row.HtmlBody.Length < 10_000);
        using var client = app.ClientFor(await app.CreateUserAsync("admin"));
        var preview = await client.PostAsJsonAsync($"/email-templates/{key}/preview", new { });
        var problem = await preview.AssertProblemAsync(HttpStatusCode.BadRequest, "html_body");
        Assert.Contains("256 KB", problem.GetProperty("errors").GetProperty("html_body")[0].GetString());
    }
}
