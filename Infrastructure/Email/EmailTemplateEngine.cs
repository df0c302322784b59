using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using Fluid.Values;

namespace SupportDesk.Infrastructure.Email;

/// <summary>The three Liquid sources of one template, as stored in email_templates.</summary>
public sealed record EmailTemplateSource(string Subject, string HtmlBody, string TextBody);

/// <summary>A template rendered for one recipient: what goes into the outbox row.</summary>
public sealed record RenderedEmail(string Subject, string HtmlBody, string TextBody);

/// <summary>
/// Parses and renders email templates with Fluid. One parser for the process; each stored template is parsed
/// once per change (cached by key and compared by source text) and rendered per email.
/// Model values are plain data: they are never parsed as Liquid, and the html body HTML-encodes them.
/// </summary>
public sealed class EmailTemplateEngine
{
    // Enough for any sensible notification; stops a loop in an admin's template from stalling the caller.
    private const int MaxSteps = 100_000;

    private static readonly FluidParser Parser = new();
    // Keeps non-ASCII names readable while still encoding < > & " '.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    // Steps and recursion are Fluid's own limits; sizes and time are TemplateBounds'.
    private readonly TemplateOptions _options = TemplateBounds.Apply(new() { MaxSteps = MaxSteps, MaxRecursion = 20 });
    // Stricter twin for checking edits: a misspelt variable or filter is an error, not a silent blank.
    private readonly TemplateOptions _checkOptions = TemplateBounds.Apply(new() { MaxSteps = MaxSteps, MaxRecursion = 20, StrictVariables = true, StrictFilters = true });
    private readonly ConcurrentDictionary<string, CompiledEmailTemplate> _cache = new(StringComparer.Ordinal);

    /// <summary>Null when the source parses and renders against the sample model; otherwise the parser's or renderer's message.</summary>
    public string? FindError(string source)
    {
        if (!Parser.TryParse(source, out var template, out var error))
            return FirstLine(error);
        try
        {
            // Trial render: catches unknown variables, filters, missing partials, runaway loops and oversized output before saving.
            // It completes synchronously: rendering does no I/O.
            _ = RenderPartAsync(TemplateBounds.Rewrite(template), NewContext(_checkOptions, EmailModel.Sample), NullEncoder.Default)
                .AsTask().GetAwaiter().GetResult();
            return null;
        }
        // Whatever an admin's template makes Fluid throw is the answer to "is this template usable?", so it is reported, not raised.
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return FirstLine(e.Message);
        }
    }

    /// <summary>The parsed form of a stored template; reparsed only when its text changed.</summary>
    public CompiledEmailTemplate Compile(string key, EmailTemplateSource source)
    {
        if (_cache.TryGetValue(key, out var cached) && cached.Source == source)
            return cached;
        var compiled = new CompiledEmailTemplate(source, Parse(source.Subject), Parse(source.HtmlBody), Parse(source.TextBody));
        _cache[key] = compiled;
        return compiled;
    }

    /// <summary>Parses a draft that is not stored (previews); never cached.</summary>
    public CompiledEmailTemplate CompileDraft(EmailTemplateSource source) =>
        new(source, Parse(source.Subject), Parse(source.HtmlBody), Parse(source.TextBody));

    /// <summary>Renders subject (plain, one line), html (values HTML-encoded) and text (plain); adds [#number] for ticket emails.</summary>
    public async ValueTask<RenderedEmail> RenderAsync(CompiledEmailTemplate template, EmailModel model, long? ticketNumber)
    {
        var subject = await RenderPartAsync(template.Subject, NewContext(_options, model), NullEncoder.Default, "subject");
        var html = await RenderPartAsync(template.HtmlBody, NewContext(_options, model), Html, "html_body");
        var text = await RenderPartAsync(template.TextBody, NewContext(_options, model), NullEncoder.Default, "text_body");
        return new RenderedEmail(SubjectLine(subject, ticketNumber), html.Trim(), text.Trim());
    }

    /// <summary>One part into a bounded writer, with the render clock started; a bound names the part it was hit in.</summary>
    private static async ValueTask<string> RenderPartAsync(IFluidTemplate template, TemplateContext context, TextEncoder encoder, string? part = null)
    {
        using var writer = new TemplateBounds.LimitedWriter();
        try
        {
            await template.RenderAsync(writer, encoder, TemplateBounds.Start(context));
        }
        catch (TemplateLimitException e) when (part is not null)
        {
            throw new TemplateLimitException($"'{part}' {e.Message}", part);
        }
        return writer.ToString();
    }

    /// <summary>One line (no header injection, no folding surprises), with the ticket token inbound mail can be matched by.</summary>
    internal static string SubjectLine(string rendered, long? ticketNumber)
    {
        var subject = string.Join(' ', rendered.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Trim();
        if (ticketNumber is { } number)
        {
            var token = $"[#{number}]";
            if (!subject.Contains(token, StringComparison.Ordinal))
                subject = subject.Length == 0 ? token : $"{token} {subject}";
        }
        return subject.Length > 900 ? subject[..900] : subject;
    }

    private static IFluidTemplate Parse(string source) =>
        Parser.TryParse(source, out var template, out var error)
            ? TemplateBounds.Rewrite(template)
            // Saved templates were checked on the way in; reaching this means the row was edited around the API.
            : throw new InvalidOperationException($"Stored email template does not parse: {FirstLine(error)}");

    private static TemplateContext NewContext(TemplateOptions options, EmailModel model)
    {
        var context = new TemplateContext(options);
        foreach (var (name, value) in model.LiquidValues())
        {
            context.SetValue(name, value switch
            {
                null => NilValue.Instance,
                long number => NumberValue.Create(number),
                string text => new StringValue(text),
                IReadOnlyDictionary<string, string> values => new DictionaryValue(new FieldValues(values, options.StrictVariables)),
                _ => new StringValue(value.ToString() ?? ""),
            });
        }
        return context;
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }
}

/// <summary>
/// fields.&lt;key&gt;: custom fields are defined at run time, so the strict check when a template is saved accepts any key
/// (an undefined one renders blank, like a nil value); a misspelt top-level name is still refused.
/// </summary>
internal sealed class FieldValues(IReadOnlyDictionary<string, string> values, bool anyKey) : IFluidIndexable
{
    public int Count => values.Count;

    public IEnumerable<string> Keys => values.Keys;

    public bool TryGetValue(string name, out FluidValue value)
    {
        if (values.TryGetValue(name, out var text))
        {
            value = new StringValue(text);
            return true;
        }
        value = anyKey ? StringValue.Empty : NilValue.Instance;
        return anyKey;
    }
}

public sealed record CompiledEmailTemplate(EmailTemplateSource Source, IFluidTemplate Subject, IFluidTemplate HtmlBody, IFluidTemplate TextBody);
