namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>
/// A partial-update field whose C# type admits null only so the validator can name the field when null is sent:
/// null is refused (400), so the document does not offer it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OpenApiNotNullAttribute : Attribute;
