using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Tests.Infrastructure.Json;

/// <summary>
/// Text the database cannot store (NUL, lone surrogates) is a 400 naming the field before any work, wherever it
/// comes from: a JSON body or a query string (a NUL in the path never gets this far: Kestrel, and the test server,
/// refuse the request line). Single-line fields also refuse line breaks, other
/// control characters and non-characters; everything else is stored as sent.
/// </summary>
public sealed class TextInputTests(AppFixture app)
{
    private const string NotStorable = "must be valid Unicode text without NUL characters";
    private const string NotOneLine = "must be one line of text";

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<string> FirstErrorAsync(HttpResponseMessage response, string field)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        return problem.GetProperty("errors").GetProperty(field)[0].GetString()!;
    }

    [Fact]
    public async Task Nul_in_sign_in_and_sign_up_fields_is_refused_before_any_password_work()
    {
        // bcrypt at cost 16 takes seconds (4 or more): an answer within two proves no hash or verify ran.
        var settings = SupportDeskFactory.DefaultSettings(app.Database.Url);
        settings["BCRYPT_WORK_FACTOR"] = "16";
        await using var factory = new SupportDeskFactory(settings);
        using var client = factory.CreateClient();
        var user = await app.CreateUserAsync("customer");
        await using var db = await app.OpenConnectionAsync();
        const string sessions = "SELECT count(*) FROM refresh_tokens WHERE user_id = @Id";
        var sessionsBefore = await db.ExecuteScalarAsync<int>(sessions, new { user.Id });
        // The first requests of a new app pay for start-up and JIT; time only requests after them.
        await (await client.PostAsync("/auth/login", Raw("""{"email":"\u0000","password":"x"}"""))).AssertProblemAsync(HttpStatusCode.BadRequest, "email");
        await (await client.PostAsync("/auth/register", Raw("""{"email":"\u0000","password":"x","first_name":"A","last_name":"B"}"""))).AssertProblemAsync(HttpStatusCode.BadRequest, "email");

        var clock = Stopwatch.StartNew();
        var login = await client.PostAsync("/auth/login", Raw($$"""{"email":"{{user.Email}}\u0000","password":"{{user.Password}}"}"""));
        var loginTime = clock.Elapsed;
        Assert.Contains(NotStorable, await FirstErrorAsync(login, "email"));
        Assert.True(loginTime < TimeSpan.FromSeconds(2), $"login took {loginTime}");
        Assert.Equal(sessionsBefore, await db.ExecuteScalarAsync<int>(sessions, new { user.Id }));

        login = await client.PostAsync("/auth/login", Raw("""{"email":"a\u0000@x.io","password":"xxxxxxxx"}"""));
        await login.AssertProblemAsync(HttpStatusCode.BadRequest, "email");

        var email = AppFixture.UniqueEmail("nul");
        clock.Restart();
        var register = await client.PostAsync("/auth/register", Raw($$"""{"email":"{{email}}","password":"password123","first_name":"\u0000","last_name":"B"}"""));
        var registerTime = clock.Elapsed;
        Assert.Contains(NotStorable, await FirstErrorAsync(register, "first_name"));
        Assert.True(registerTime < TimeSpan.FromSeconds(2), $"register took {registerTime}");
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE email = @email", new { email }));
    }

    [Fact]
    public async Task Nul_in_a_ticket_title_or_a_comment_is_a_400_that_writes_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        await using var db = await app.OpenConnectionAsync();

        var create = await client.PostAsync("/tickets", Raw("""{"title":"Printer\u0000","description":"It smokes."}"""));
        Assert.Contains(NotStorable, await FirstErrorAsync(create, "title"));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM tickets WHERE requester_id = @Id", new { customer.Id }));

        var tags = await client.PostAsync("/tickets", Raw("""{"title":"Printer","description":"It smokes.","tags":["ok","\u0000"]}"""));
        await tags.AssertProblemAsync(HttpStatusCode.BadRequest, "tags");

        var ticket = (await client.CreateTicketAsync()).Id();
        var comment = await client.PostAsync($"/tickets/{ticket}/comments", Raw("""{"content":"hi\u0000"}"""));
        Assert.Contains(NotStorable, await FirstErrorAsync(comment, "content"));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM comments WHERE ticket_id = @ticket", new { ticket }));

        // A partial update reads its fields through Optional<T>; the field and the reason survive that.
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/tickets/{ticket}") { Content = Raw("""{"title":"a\u0000"}""") };
        Assert.Contains(NotStorable, await FirstErrorAsync(await client.SendAsync(patch), "title"));
    }

    [Theory]
    [InlineData("category")]
    [InlineData("tag")]
    [InlineData("q")]
    [InlineData("assignee_id")]
    public async Task Nul_in_a_query_string_is_a_400_naming_the_parameter(string parameter)
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        var response = await client.GetAsync($"/tickets?{parameter}=a%00b");
        Assert.Contains(NotStorable, await FirstErrorAsync(response, parameter));
    }

    [Theory]
    [InlineData("""a\ud800b""")]
    [InlineData("""\udc00""")]
    [InlineData("""a\udfff\ud800""")]
    public async Task A_lone_surrogate_is_refused_not_replaced(string escaped)
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        var response = await client.PostAsync("/tickets", Raw($$"""{"title":"{{escaped}}","description":"d"}"""));
        Assert.Contains(NotStorable, await FirstErrorAsync(response, "title"));
    }

    [Fact]
    public async Task A_surrogate_encoded_as_utf8_bytes_is_refused()
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        byte[] body = [.. "{\"title\":\"a"u8, 0xED, 0xA0, 0x80, .. "\",\"description\":\"d\"}"u8];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        await (await client.PostAsync("/tickets", content)).AssertProblemAsync(HttpStatusCode.BadRequest, "title");
    }

    [Theory]
    [InlineData("""a\r\nBcc: victim@example.test""")]
    [InlineData("""a\nb""")]
    [InlineData("""a\tb""")]
    [InlineData("""a\u001bb""")]
    [InlineData("""a\u0085b""")]
    [InlineData("""a\u2028b""")]
    [InlineData("""a\ufffeb""")]
    [InlineData("""a\uffff""")]
    [InlineData("""a\ufdd0""")]
    [InlineData("""a\ud83f\udfff""")]
    public async Task Single_line_fields_refuse_line_breaks_controls_and_non_characters(string escaped)
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var ticket = (await client.CreateTicketAsync()).Id();

        Assert.Contains(NotOneLine, await FirstErrorAsync(await client.PostAsync("/tickets", Raw($$"""{"title":"{{escaped}}","description":"d"}""")), "title"));
        Assert.Contains(NotOneLine, await FirstErrorAsync(await client.PostAsync("/tickets", Raw($$"""{"title":"t","description":"d","category":"{{escaped}}"}""")), "category"));
        await (await client.PostAsync("/tickets", Raw($$"""{"title":"t","description":"d","tags":["{{escaped}}"]}"""))).AssertProblemAsync(HttpStatusCode.BadRequest, "tags");
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/tickets/{ticket}") { Content = Raw($$"""{"title":"{{escaped}}"}""") };
        await (await client.SendAsync(patch)).AssertProblemAsync(HttpStatusCode.BadRequest, "title");

        var email = AppFixture.UniqueEmail("line");
        var register = await app.Anonymous().PostAsync("/auth/register", Raw($$"""{"email":"{{email}}","password":"password123","first_name":"{{escaped}}","last_name":"B"}"""));
        Assert.Contains(NotOneLine, await FirstErrorAsync(register, "first_name"));
        var badEmail = await app.Anonymous().PostAsync("/auth/register", Raw($$"""{"email":"x{{escaped}}@example.test","password":"password123","first_name":"A","last_name":"B"}"""));
        await badEmail.AssertProblemAsync(HttpStatusCode.BadRequest, "email");

        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var preview = await admin.PostAsync("/email-templates/ticket_created/preview", Raw($$"""{"subject":"Hi {{escaped}}"}"""));
        Assert.Contains(NotOneLine, await FirstErrorAsync(preview, "subject"));

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM tickets WHERE requester_id = @Id", new { customer.Id }));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE email = @email", new { email }));
    }

    [Fact]
    public async Task Multi_line_fields_keep_line_breaks_and_tabs()
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        const string text = "Line one\r\nLine two\n\tindented \u001b[0m";
        var ticket = await client.CreateTicketAsync(new { title = "Multi-line", description = text });
        Assert.Equal(text, ticket.Str("description"));
        var comment = await client.AddCommentAsync(ticket.Id(), text);
        Assert.Equal(text, comment.Str("content"));
    }

    /// <summary>Bidi controls and either normalisation form are stored as sent (see TextInput for why).</summary>
    [Theory]
    [InlineData("invoice\u202Etxt.exe")]
    [InlineData("\u200Fשלום\u200E abc \u2067x\u2069")]
    [InlineData("Cafe\u0301")]
    [InlineData("Café")]
    [InlineData("emoji \U0001F600 and \uFFFD")]
    public async Task Bidi_controls_and_unnormalised_text_are_stored_faithfully(string title)
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        var ticket = await client.CreateTicketAsync(new { title, description = title, category = title, tags = new[] { title } });
        var read = await client.GetTicketAsync(ticket.Id());
        Assert.Equal(title, read.Str("title"));
        Assert.Equal(title, read.Str("description"));
        Assert.Equal(title.Trim(), read.Str("category"));
    }

    [Fact]
    public void Dictionary_keys_are_checked_as_well()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Configure(options);
        var error = Assert.Throws<TextInputException>(() => JsonSerializer.Deserialize<Dictionary<string, string>>("""{"a\u0000":"v"}""", options));
        Assert.Equal("$.a\u0000", error.Path);
        Assert.Equal("v", JsonSerializer.Deserialize<Dictionary<string, string>>("""{"a":"v"}""", options)!["a"]);
    }

    [Fact]
    public void Writing_is_unchanged_by_the_reading_checks()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Configure(options);
        Assert.Equal("""{"first_name":"a\u0000b","map":{"some_key":"x"}}""",
            JsonSerializer.Serialize(new { FirstName = "a\0b", Map = new Dictionary<string, string> { ["SomeKey"] = "x" } }, options));
    }
}
