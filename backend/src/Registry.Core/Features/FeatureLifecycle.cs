namespace Registry.Core.Features;

/// <summary>draft → active → deprecated → archived, with re-activation of a deprecated feature allowed.</summary>
public static class FeatureLifecycle
{
    public const string Activate = "activate";
    public const string Deprecate = "deprecate";
    public const string Delete = "delete";

    private static readonly Dictionary<FeatureStatus, (string Action, FeatureStatus Target)[]> Transitions = new()
    {
        [FeatureStatus.Draft] = [(Activate, FeatureStatus.Active), (Deprecate, FeatureStatus.Deprecated), (Delete, FeatureStatus.Archived)],
        [FeatureStatus.Active] = [(Deprecate, FeatureStatus.Deprecated), (Delete, FeatureStatus.Archived)],
        [FeatureStatus.Deprecated] = [(Activate, FeatureStatus.Active), (Delete, FeatureStatus.Archived)],
        [FeatureStatus.Archived] = [],
    };

    public static bool CanApply(FeatureStatus from, string action) => Transitions[from].Any(t => t.Action == action);

    public static IReadOnlyList<string> AllowedActions(FeatureStatus from) => Transitions[from].Select(t => t.Action).ToList();
}
