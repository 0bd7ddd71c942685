using FluentValidation;
using Registry.Core.Common;
using Registry.Core.Versions;

namespace Registry.Core.Usage;

/// <summary>
/// A usage_timestamp may be at most <see cref="UsageService.ClockSkew"/> ahead of the server's clock: a record from the
/// future would pin last_used_at there and make the feature look in use forever.
/// </summary>
public sealed class RecordUsageValidator : AbstractValidator<RecordUsageRequest>
{
    public RecordUsageValidator(TimeProvider clock)
    {
        RuleFor(x => x.FeatureName).NotEmpty()
            .Must(Identifiers.IsFeatureName).WithMessage($"feature_name must be {Identifiers.FeatureNameRule}.");
        RuleFor(x => x.FeatureVersion).NotEmpty()
            .Must(v => SemVer.TryParse(v, out _)).WithMessage("feature_version must be SemVer 2.0, e.g. 1.2.0 (no 'v' prefix, no leading zeros).");
        RuleFor(x => x.UsedByModel).NotEmpty().MaximumLength(200);
        RuleFor(x => x.ModelVersion).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Environment).NotNull().IsInEnum();
        RuleFor(x => x.FeatureImportance).Must(v => v is null || double.IsFinite(v.Value)).WithMessage("feature_importance must be a finite number.");
        RuleFor(x => x.CorrelationWithTarget).InclusiveBetween(-1.0, 1.0).WithMessage("correlation_with_target must be between -1 and 1.");
        // Optional: not every pipeline has a run id or timing, and a missing one should not lose the record.
        RuleFor(x => x.ExecutionId).MaximumLength(200).NotEmpty().When(x => x.ExecutionId is not null);
        RuleFor(x => x.ExecutionDurationMs)
            .Must(v => v is null || (double.IsFinite(v.Value) && v >= 0)).WithMessage("execution_duration_ms must be 0 or more.");
        RuleFor(x => x.UsageTimestamp).LessThanOrEqualTo(_ => UsageService.Latest(clock))
            .WithMessage($"usage_timestamp cannot be in the future (the server's clock allows {UsageService.ClockSkew.TotalMinutes:0} minutes of skew).");
    }
}

public sealed class RecordUsageBatchValidator : AbstractValidator<RecordUsageBatchRequest>
{
    public RecordUsageBatchValidator(TimeProvider clock)
    {
        RuleFor(x => x.Records).NotNull()
            .Must(r => r is null || r.Count is >= 1 and <= UsageService.MaxBatch)
            .WithMessage($"records must hold 1 to {UsageService.MaxBatch} usage records.");
        RuleForEach(x => x.Records).NotNull().WithMessage("A usage record cannot be null.").SetValidator(new RecordUsageValidator(clock));
    }
}
