using System.Text.Json;
using System.Text.Json.Serialization;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets;

public enum TicketFieldType { Text, Number, Date, Checkbox, Dropdown, MultiSelect }

/// <summary>
/// One choice of a dropdown or multi_select field. Tickets store the value, which never changes; the label is what
/// people read and may be renamed freely.
/// </summary>
public sealed record TicketFieldOption(string Value = "", string Label = "");

/// <summary>A custom ticket field's definition, as the routes show it and as values are checked against.</summary>
public sealed class TicketFieldResponse
{
    /// <summary>The select list that fills this type (table alias f).</summary>
    public const string Columns = """
        f.id, f.key, f.label, f.type, f.options::text AS options_json, f.required_on_create, f.required_to_resolve,
        f.customer_visible, f.customer_editable, f.position, f.created_at, f.updated_at, f.deleted_at
        """;

    public Guid Id { get; init; }
    /// <summary>What tickets store the value under (custom_fields.&lt;key&gt;); fixed at creation.</summary>
    public string Key { get; init; } = "";
    public string Label { get; init; } = "";
    [OpenApiEnum(typeof(TicketFieldType))] public string Type { get; init; } = "";
    /// <summary>The choices of a dropdown or multi_select field (empty for the other types).</summary>
    public IReadOnlyList<TicketFieldOption> Options => field ??= JsonSerializer.Deserialize<TicketFieldOption[]>(OptionsJson, StoredJson) ?? [];
    public bool RequiredOnCreate { get; init; }
    public bool RequiredToResolve { get; init; }
    public bool CustomerVisible { get; init; }
    public bool CustomerEditable { get; init; }
    public int Position { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>Set once the field is deleted: its values are hidden and refused, its history stays.</summary>
    public DateTime? DeletedAt { get; init; }

    [JsonIgnore] public string OptionsJson { get; init; } = "[]";

    [JsonIgnore] public bool IsChoice => Type is "dropdown" or "multi_select";

    /// <summary>May this user set the field (staff: any live field; customers: the customer_editable ones)?</summary>
    public bool EditableBy(bool isStaff) => isStaff || CustomerEditable;

    public bool VisibleTo(bool isStaff) => isStaff || CustomerVisible;

    public string? LabelOf(string value) => Options.FirstOrDefault(o => o.Value == value)?.Label;

    internal static readonly JsonSerializerOptions StoredJson = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string SerializeOptions(IEnumerable<TicketFieldOption> options) => JsonSerializer.Serialize(options, StoredJson);
}
