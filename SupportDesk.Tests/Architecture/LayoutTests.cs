using NetArchTest.Rules;

namespace SupportDesk.Tests.Architecture;

/// <summary>
/// Keeps the slice layout honest as it grows: Infrastructure knows no feature, and one area's use case never reaches
/// into another area's use case (what areas share lives next to its area, or in Infrastructure).
/// </summary>
public sealed class LayoutTests
{
    private const string Features = "SupportDesk.Features";
    private static readonly System.Reflection.Assembly Service = typeof(SupportDesk.Infrastructure.InfrastructureSetup).Assembly;

    [Fact]
    public void Infrastructure_uses_no_feature_namespace()
    {
        var result = Types.InAssembly(Service)
            .That().ResideInNamespace("SupportDesk.Infrastructure")
            .ShouldNot().HaveDependencyOnAny(Features)
            .GetResult();

        Assert.True(result.IsSuccessful, Describe("Infrastructure types that use a feature", result));
    }

    [Fact]
    public void No_area_uses_another_areas_use_cases()
    {
        var areas = UseCaseNamespaces().GroupBy(Area).ToDictionary(g => g.Key, g => g.ToArray());
        Assert.Contains("Tickets", areas.Keys); // the scan sees the slices at all

        var violations = new List<string>();
        foreach (var area in areas.Keys)
        {
            var othersUseCases = areas.Where(a => a.Key != area).SelectMany(a => a.Value).ToArray();
            var result = Types.InAssembly(Service)
                .That().ResideInNamespace($"{Features}.{area}")
                .ShouldNot().HaveDependencyOnAny(othersUseCases)
                .GetResult();
            if (!result.IsSuccessful)
                violations.Add(Describe($"{area} types that use another area's use case", result));
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Every_use_case_lives_in_an_area()
    {
        // Features.<Area>.<UseCase>: a use case straight under Features, or one level deeper, would escape the rules above.
        var misplaced = Service.GetTypes()
            .Where(t => t.Namespace is { } ns && ns.StartsWith(Features + ".", StringComparison.Ordinal) && ns.Split('.').Length > 4)
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(misplaced);
    }

    /// <summary>SupportDesk.Features.Tickets.CreateTicket and the like: the namespaces one level below an area.</summary>
    private static IEnumerable<string> UseCaseNamespaces() =>
        Service.GetTypes()
            .Select(t => t.Namespace)
            .OfType<string>()
            .Where(ns => ns.StartsWith(Features + ".", StringComparison.Ordinal) && ns.Split('.').Length == 4)
            .Distinct();

    private static string Area(string useCaseNamespace) => useCaseNamespace.Split('.')[2];

    private static string Describe(string what, NetArchTest.Rules.TestResult result) =>
        $"{what}: {string.Join(", ", result.FailingTypes?.Select(t => t.FullName) ?? [])}";
}
