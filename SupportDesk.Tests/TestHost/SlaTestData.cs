using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Tests.TestHost;

/// <summary>Schedules and SLA policies over HTTP, with unique names and a unique tag per policy so tests never share one.</summary>
public static class SlaTestData
{
    public static object OfficeHours(string? name = null, string zone = "Europe/Berlin", object[]? holidays = null) => new
    {
        name = name ?? $"Office {Guid.NewGuid():N}",
        time_zone = zone,
        intervals = new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }
            .Select(day => new { day, start = "09:00", end = "17:00" }).ToArray(),
        holidays = holidays ?? [],
    };

    public static async Task<JsonElement> CreateScheduleAsync(this HttpClient admin, object? body = null)
    {
        var response = await admin.PostAsJsonAsync("/schedules", body ?? OfficeHours());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create schedule: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
