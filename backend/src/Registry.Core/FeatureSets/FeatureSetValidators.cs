using FluentValidation;
using Registry.Core.Common;
using Registry.Core.Features;
using Registry.Core.Versions;

namespace Registry.Core.FeatureSets;

public sealed class CreateFeatureSetValidator : AbstractValidator<CreateFeatureSetRequest>
{
    public CreateFeatureSetValidator()
    {
        RuleFor(x => x.FeatureSetName).NotEmpty()
            .Must(Identifiers.IsFeatureName).WithMessage($"feature_set_name must be {Identifiers.FeatureNameRule}.");
        RuleFor(x => x.Owner).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Description).MaximumLength(4000);
        this.TagRules(x => x.Tags!);
        RuleFor(x => x.Version!).Must(v => SemVer.TryParse(v, out _)).When(x => x.Version is not null)
            .WithMessage(FeatureSetMemberRules.VersionMessage("version"));
        this.MemberRules(x => x.Members!);
        RuleFor(x => x.Changelog).MaximumLength(10_000);
        RuleFor(x => x.CreatedBy).NotEmpty().MaximumLength(100).When(x => x.CreatedBy is not null);
    }
}

public sealed class CreateFeatureSetVersionValidator : AbstractValidator<CreateFeatureSetVersionRequest>
{
    public CreateFeatureSetVersionValidator()
    {
        RuleFor(x => x).Must(x => (x.Version is null) != (x.Bump is null)).OverridePropertyName("version")
            .WithMessage("Give exactly one of version (e.g. 1.1.0) or bump (major, minor, patch).");
        RuleFor(x => x.Version!).Must(v => SemVer.TryParse(v, out _)).When(x => x.Version is not null)
            .WithMessage(FeatureSetMemberRules.VersionMessage("version"));
        RuleFor(x => x.Bump).IsInEnum();
        this.MemberRules(x => x.Members!);
        RuleFor(x => x.Changelog).MaximumLength(10_000);
        RuleFor(x => x.CreatedBy).NotEmpty().MaximumLength(100).When(x => x.CreatedBy is not null);
    }
}

internal static class FeatureSetMemberRules
{
    public static string VersionMessage(string field) =>
        $"{field} must be SemVer 2.0, e.g. 1.2.0 or 2.0.0-rc.1 (no 'v' prefix, no leading zeros).";

    /// <summary>1 to <see cref="FeatureSetService.MaxMembers"/> members, each a feature name and an optional SemVer version, no feature twice.</summary>
    public static void MemberRules<T>(this AbstractValidator<T> v, System.Linq.Expressions.Expression<Func<T, IEnumerable<FeatureSetMemberInput>>> members)
    {
        v.RuleFor(members).NotNull().WithMessage("members is required: the features of the set, e.g. [{\"feature_name\": \"stock_rsi_14d\"}].")
            .Must(m => m is null || m.Count() is >= 1 and <= FeatureSetService.MaxMembers)
            .WithMessage($"members must hold 1 to {FeatureSetService.MaxMembers} features.");
        v.RuleForEach(members).NotNull().WithMessage("A member cannot be null.").ChildRules(member =>
        {
            member.RuleFor(m => m.FeatureName).NotEmpty()
                .Must(Identifiers.IsFeatureName).WithMessage($"feature_name must be {Identifiers.FeatureNameRule}.");
            member.RuleFor(m => m.FeatureVersion!).Must(x => SemVer.TryParse(x, out _)).When(m => m.FeatureVersion is not null)
                .WithMessage(VersionMessage("feature_version"));
        });
        // A set pins one version per feature: the same feature twice (in any versions) is ambiguous.
        v.RuleFor(members).Custom((items, ctx) =>
        {
            if (items is null) return;
            var list = items.ToList();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i]?.FeatureName is not { } name || seen.Add(name)) continue;
                ctx.AddFailure($"members[{i}].feature_name",
                    $"'{name}' is already a member (members[{list.FindIndex(m => m?.FeatureName == name)}]); a feature set holds each feature once, at one version.");
            }
        });
    }
}
