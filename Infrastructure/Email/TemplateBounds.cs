using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace SupportDesk.Infrastructure.Email;

/// <summary>A render went past a bound (size or time); <see cref="Part"/> names the template part once the engine knows it.</summary>
public sealed class TemplateLimitException(string message, string? part = null) : Exception(message)
{
    public string? Part { get; } = part;
}

/// <summary>
/// Size and time bounds for one render. Fluid bounds steps and recursion (MaxSteps, MaxRecursion) but not sizes: a loop
/// doubling a string with assign/append, a capture around a loop or a range of a billion numbers allocates gigabytes
/// within a few steps. So every piece of output, filter result, assignment, capture and range is checked against
/// <see cref="MaxChars"/>, and each of those checks also enforces the render deadline (<see cref="MaxTime"/>).
/// </summary>
internal static class TemplateBounds
{
    public const int MaxChars = 256 * 1024;
    /// <summary>A range larger than this could not be looped over within the step limit anyway.</summary>
    public const int MaxRangeItems = 100_000;
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(1);

    private const string DeadlineKey = "supportdesk.render_deadline";
    private static readonly string TooBig = $"produces more than {MaxChars / 1024} KB of text (the limit for one part)";
    private static readonly string TooSlow = $"takes longer than {MaxTime.TotalSeconds:0} s to render";

    /// <summary>Wraps every filter with size checks and refuses oversized assignments and captures.</summary>
    public static TemplateOptions Apply(TemplateOptions options)
    {
        foreach (var (name, filter) in options.Filters.ToArray())
            options.Filters.AddFilter(name, Checked(name, filter));
        options.Assigned = (_, value, context) => new ValueTask<FluidValue>(CheckValue(value, context));
        options.Captured = (_, value, context) => new ValueTask<FluidValue>(CheckValue(value, context));
        return options;
    }

    /// <summary>The parsed template with its output statements and ranges checked as they render.</summary>
    public static IFluidTemplate Rewrite(IFluidTemplate template) => new BoundsRewriter().VisitTemplate(template);

    /// <summary>Starts the clock for one render in this context.</summary>
    public static TemplateContext Start(TemplateContext context)
    {
        context.AmbientValues[DeadlineKey] = Stopwatch.GetTimestamp() + (long)(MaxTime.TotalSeconds * Stopwatch.Frequency);
        return context;
    }

    private static void CheckTime(TemplateContext context)
    {
        if (context.AmbientValues.TryGetValue(DeadlineKey, out var deadline) && Stopwatch.GetTimestamp() > (long)deadline)
            throw new TemplateLimitException(TooSlow);
    }

    private static FluidValue CheckValue(FluidValue value, TemplateContext context)
    {
        CheckTime(context);
        if (Size(value) > MaxChars)
            throw new TemplateLimitException(TooBig);
        return value;
    }

    /// <summary>Characters a value stands for (arrays: their elements'); long, since a refused value may be huge.</summary>
    private static long Size(FluidValue value, int depth = 0) => value switch
    {
        StringValue text => text.ToStringValue().Length,
        ArrayValue array => array.Values.Count + (depth < 3 ? array.Values.Sum(v => Size(v, depth + 1)) : 0),
        _ => 1,
    };

    private static FilterDelegate Checked(string name, FilterDelegate filter) => async (input, arguments, context) =>
    {
        CheckTime(context);
        // The two filters whose result can be quadratic in bounded inputs are sized before they run.
        if (ExpectedSize(name, input, arguments) > MaxChars)
            throw new TemplateLimitException(TooBig);
        return CheckValue(await filter(input, arguments, context), context);
    };

    private static long ExpectedSize(string name, FluidValue input, FilterArguments arguments)
    {
        switch (name)
        {
            case "replace" when arguments.Count >= 2 && arguments.At(0).ToStringValue() is { Length: > 0 } search:
                var text = input.ToStringValue();
                long matches = 0;
                for (var at = text.IndexOf(search, StringComparison.Ordinal); at >= 0; at = text.IndexOf(search, at + search.Length, StringComparison.Ordinal))
                    matches++;
                return text.Length + matches * (arguments.At(1).ToStringValue().Length - search.Length);
            case "join" when input is ArrayValue array:
                var separator = arguments.Count > 0 ? arguments.At(0).ToStringValue().Length : 1;
                return Size(array) + (long)array.Values.Count * separator;
            default:
                return 0;
        }
    }

    /// <summary>After each piece of output: captures, ifchanged and macros render into StringWriters of Fluid's own.</summary>
    private static void CheckOutput(TextWriter writer, TemplateContext context)
    {
        CheckTime(context);
        if (writer is StringWriter buffer && buffer.GetStringBuilder().Length > MaxChars)
            throw new TemplateLimitException(TooBig);
    }

    private sealed class BoundsRewriter : AstRewriter
    {
        protected override Statement VisitTextSpanStatement(TextSpanStatement statement) => new CheckedStatement(statement);
        protected override Statement VisitOutputStatement(OutputStatement statement) => new CheckedStatement(base.VisitOutputStatement(statement));
        protected override Statement VisitRawStatement(RawStatement statement) => new CheckedStatement(statement);
        protected override Statement VisitCycleStatement(CycleStatement statement) => new CheckedStatement(base.VisitCycleStatement(statement));
        protected override Expression VisitRangeExpression(RangeExpression expression) => new CheckedRange((RangeExpression)base.VisitRangeExpression(expression));
    }

    private sealed class CheckedStatement(Statement inner) : Statement
    {
        public override async ValueTask<Completion> WriteToAsync(TextWriter writer, TextEncoder encoder, TemplateContext context)
        {
            var completion = await inner.WriteToAsync(writer, encoder, context);
            CheckOutput(writer, context);
            return completion;
        }
    }

    private sealed class CheckedRange(RangeExpression inner) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            CheckTime(context);
            var from = (await inner.From.EvaluateAsync(context)).ToNumberValue();
            var to = (await inner.To.EvaluateAsync(context)).ToNumberValue();
            if (to - from >= MaxRangeItems)
                throw new TemplateLimitException($"has a range of more than {MaxRangeItems} items");
            return await inner.EvaluateAsync(context);
        }
    }

    /// <summary>The output of one part: refuses to grow past the limit, so a runaway loop stops at the first write too many.</summary>
    public sealed class LimitedWriter : StringWriter
    {
        private void Reserve(int count)
        {
            if (GetStringBuilder().Length + (long)count > MaxChars)
                throw new TemplateLimitException(TooBig);
        }

        public override void Write(char value) { Reserve(1); base.Write(value); }
        public override void Write(char[] buffer, int index, int count) { Reserve(count); base.Write(buffer, index, count); }
        public override void Write(ReadOnlySpan<char> buffer) { Reserve(buffer.Length); base.Write(buffer); }
        public override void Write(string? value) { Reserve(value?.Length ?? 0); base.Write(value); }
        public override void Write(StringBuilder? value) { Reserve(value?.Length ?? 0); base.Write(value); }
        public override Task WriteAsync(char value) { Reserve(1); return base.WriteAsync(value); }
        public override Task WriteAsync(string? value) { Reserve(value?.Length ?? 0); return base.WriteAsync(value); }
        public override Task WriteAsync(char[] buffer, int index, int count) { Reserve(count); return base.WriteAsync(buffer, index, count); }
        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) { Reserve(buffer.Length); return base.WriteAsync(buffer, cancellationToken); }
        public override Task WriteAsync(StringBuilder? value, CancellationToken cancellationToken = default) { Reserve(value?.Length ?? 0); return base.WriteAsync(value, cancellationToken); }
    }
}
