using System.Text;

namespace SupportDesk.Bench;

/// <summary>
/// Deterministic, varied support-desk text: a few hundred everyday words used with a skewed (Zipf-like)
/// frequency, plus thousands of made-up product names and error codes that each occur rarely, so queries
/// range from "matches a third of all tickets" to "matches a handful".
/// </summary>
public sealed class TextGenerator(int seed)
{
    private readonly Random _random = new(seed);

    public static readonly string[] Nouns =
    [
        "password", "account", "invoice", "billing", "payment", "subscription", "login", "email", "inbox", "calendar",
        "meeting", "printer", "scanner", "laptop", "monitor", "keyboard", "mouse", "headset", "webcam", "microphone",
        "network", "wifi", "vpn", "firewall", "router", "server", "database", "backup", "report", "dashboard",
        "chart", "export", "upload", "download", "file", "folder", "attachment", "document", "spreadsheet", "presentation",
        "license", "installation", "update", "upgrade", "browser", "cookie", "session", "token", "certificate", "domain",
        "integration", "api", "webhook", "notification", "alert", "reminder", "schedule", "timezone", "language", "profile",
        "avatar", "username", "permission", "role", "team", "workspace", "project", "task", "mention", "search",
        "filter", "page", "link", "button", "form", "field", "checkbox", "dropdown", "menu", "sidebar",
        "toolbar", "window", "screen", "display", "battery", "charger", "cable", "adapter", "driver", "firmware",
        "bluetooth", "phone", "tablet", "app", "widget", "plugin", "extension", "theme", "font", "image",
        "photo", "video", "audio", "volume", "storage", "quota", "disk", "memory", "performance", "timeout",
        "crash", "refund", "discount", "coupon", "order", "shipment", "delivery", "tracking", "address", "receipt",
        "contract", "renewal", "trial", "plan", "seat", "invitation", "group", "channel", "message", "thread",
        "signature", "template", "macro", "rule", "workflow", "approval", "budget", "expense", "payroll", "timesheet",
    ];

    public static readonly string[] Verbs =
    [
        "reset", "change", "update", "install", "remove", "connect", "sync", "export", "import", "open",
        "close", "load", "save", "print", "scan", "send", "receive", "share", "upload", "download",
        "restore", "configure", "enable", "disable", "renew", "cancel", "approve", "merge", "archive", "delete",
        "recover", "migrate", "verify", "refresh", "restart", "attach", "invite", "assign", "schedule", "transfer",
    ];

    private static readonly string[] Problems =
    [
        "does not work", "keeps failing", "is very slow", "shows an error", "crashes on startup", "stopped working",
        "cannot be found", "is missing", "is duplicated", "looks broken", "times out", "returns a blank page",
        "freezes after a few minutes", "logs me out", "shows the wrong amount", "never arrives", "is greyed out",
        "asks for the password again", "loses my changes", "is stuck on loading",
    ];

    private static readonly string[] Adjectives =
    [
        "new", "old", "shared", "personal", "monthly", "annual", "primary", "secondary", "external", "internal",
        "mobile", "desktop", "default", "custom", "corporate", "remote", "local", "wireless", "encrypted", "archived",
    ];

    private static readonly string[] Times =
    [
        "yesterday", "this morning", "last week", "Monday", "the last update", "the migration", "we changed plans",
        "the office move", "the holidays", "two days ago",
    ];

    private static readonly string[] Systems = ["Windows 11", "macOS Sonoma", "Ubuntu 24.04", "iOS 18", "Android 15", "ChromeOS", "Windows 10"];

    private static readonly string[] Syllables =
    [
        "zen", "tri", "vox", "lum", "bra", "qui", "dor", "fex", "mal", "nix", "por", "sel", "tav", "ulm", "vek",
        "wir", "xan", "yol", "zup", "kor", "lin", "mor", "nev", "ost", "pex", "rad", "sun", "tek", "vil", "gar",
    ];

    private readonly string[] _products = BuildProducts(new Random(seed + 1), 4000);

    private static string[] BuildProducts(Random random, int count)
    {
        var names = new HashSet<string>();
        while (names.Count < count)
        {
            var parts = random.Next(2, 4);
            var name = string.Concat(Enumerable.Range(0, parts).Select(_ => Syllables[random.Next(Syllables.Length)]));
            names.Add(char.ToUpperInvariant(name[0]) + name[1..]);
        }
        return names.ToArray();
    }

    public IReadOnlyList<string> Products => _products;

    /// <summary>Index into a list of n, skewed towards the front (a few words are everywhere, most are not).</summary>
    private int Skewed(int n, double power = 2.2) => Math.Min(n - 1, (int)(n * Math.Pow(_random.NextDouble(), power)));

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    public string Noun() => Nouns[Skewed(Nouns.Length)];
    public string Verb() => Verbs[Skewed(Verbs.Length, 1.6)];
    public string Product() => _products[Skewed(_products.Length, 1.3)];
    public string ErrorCode() => $"E{_random.Next(1000, 10000)}";

    public string TicketTitle() => _random.Next(6) switch
    {
        0 => $"{Cap(Noun())} {Pick(Problems)}",
        1 => $"Cannot {Verb()} {Noun()}",
        2 => $"{Product()} {Noun()} {Pick(Problems)}",
        3 => $"Error {ErrorCode()} when I {Verb()} the {Noun()}",
        4 => $"How do I {Verb()} my {Pick(Adjectives)} {Noun()}?",
        _ => $"{Cap(Pick(Adjectives))} {Noun()} and {Noun()} problem",
    };

    public string Sentence() => _random.Next(12) switch
    {
        0 => $"Since {Pick(Times)} the {Noun()} {Pick(Problems)}.",
        1 => $"I tried to {Verb()} the {Noun()} but it {Pick(Problems)}.",
        2 => $"When I {Verb()} my {Noun()} I get error code {ErrorCode()}.",
        3 => $"This affects {_random.Next(2, 200)} people on our {Noun()} team.",
        4 => $"We are using {Product()} version {_random.Next(1, 12)}.{_random.Next(0, 20)} on {Pick(Systems)}.",
        5 => $"Could you please help us {Verb()} the {Pick(Adjectives)} {Noun()}?",
        6 => $"Our {Noun()} was working fine until {Pick(Times)}.",
        7 => $"The message says \"{Cap(Noun())} {Pick(Problems)}\" and nothing else happens.",
        8 => $"We already tried to {Verb()} the {Noun()} and {Verb()} the {Noun()} again.",
        9 => $"Is there a way to {Verb()} {Noun()} for every {Noun()} at once?",
        10 => $"The {Pick(Adjectives)} {Noun()} in {Product()} {Pick(Problems)} for some users.",
        _ => $"Thanks in advance, this is blocking our {Noun()} {Noun()}.",
    };

    public string Paragraph(int minSentences, int maxSentences)
    {
        var text = new StringBuilder();
        var n = _random.Next(minSentences, maxSentences + 1);
        for (var i = 0; i < n; i++)
        {
            if (i > 0)
                text.Append(' ');
            text.Append(Sentence());
        }
        return text.ToString();
    }

    public string ArticleTitle() => _random.Next(4) switch
    {
        0 => $"How to {Verb()} your {Pick(Adjectives)} {Noun()}",
        1 => $"Troubleshooting: {Noun()} {Pick(Problems)}",
        2 => $"{Product()} {Noun()} guide",
        _ => $"Setting up {Noun()} and {Noun()} in {Product()}",
    };

    public string ArticleContent()
    {
        var text = new StringBuilder();
        text.Append(Paragraph(2, 4)).Append("\n\n");
        var sections = _random.Next(3, 6);
        for (var s = 1; s <= sections; s++)
        {
            text.Append("## Step ").Append(s).Append(": ").Append(Cap(Verb())).Append(" the ").Append(Noun()).Append("\n\n");
            text.Append(Paragraph(2, 4)).Append("\n\n");
            if (_random.Next(3) == 0)
                text.Append("- ").Append(Cap(Verb())).Append(' ').Append(Noun()).Append("\n- ").Append(Cap(Verb())).Append(' ').Append(Noun()).Append("\n\n");
        }
        return text.ToString();
    }

    public string[] Tags() => Enumerable.Range(0, _random.Next(0, 4)).Select(_ => Noun()).Distinct().ToArray();

    public string Category() => Nouns[Skewed(30, 1.5)];

    public int Next(int max) => _random.Next(max);
    public double NextDouble() => _random.NextDouble();

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>At least <paramref name="count"/> distinct queries of every kind users type.</summary>
    public List<string> Queries(int count)
    {
        var queries = new List<string>();
        var seen = new HashSet<string>();
        void Add(string q)
        {
            if (seen.Add(q))
                queries.Add(q);
        }
        var kinds = 0;
        while (queries.Count < count)
        {
            switch (kinds++ % 9)
            {
                case 0: Add(Noun()); break;                                              // one everyday word
                case 1: Add($"{Verb()} {Noun()}"); break;                                 // two words
                case 2: Add($"\"{Verb()} the {Noun()}\""); break;                          // a phrase
                case 3: Add($"{Noun()} -{Noun()}"); break;                                 // an exclusion
                case 4: Add($"{Noun()} or {Noun()}"); break;                               // or
                case 5: Add(_products[_random.Next(_products.Length)]); break;             // a rare product name
                case 6: Add(ErrorCode()); break;                                           // an error code
                case 7: Add($"{Product()} {Noun()}"); break;                               // rare + common
                default: Add($"{Noun()} {Pick(Problems).Split(' ')[^1]}s"); break;         // a plural (stemming)
            }
        }
        return queries;
    }
}
