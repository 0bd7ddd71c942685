using FluentValidation;
using Registry.Core.Usage;

namespace Registry.Core.Snapshots;

public sealed class CreateSnapshotValidator : AbstractValidator<CreateSnapshotRequest>
{
    public CreateSnapshotValidator()
    {
        RuleFor(x => x.From).NotNull();
        RuleFor(x => x.To).NotNull();
        RuleFor(x => x.From).LessThan(x => x.To).When(x => x.From is not null && x.To is not null).WithMessage("from must be before to.");
        RuleFor(x => x.Timeframe!).Must(t => SnapshotTimeframes.TryGetStep(t, out _)).When(x => x.Timeframe is not null)
            .WithMessage($"timeframe must be one of {string.Join(", ", SnapshotTimeframes.All)} (omitted means raw).");
        RuleFor(x => x.EntityIds!)
            .Must(e => e.Count is >= 1 and <= SnapshotService.MaxEntities)
            .WithMessage($"entity_ids holds 1 to {SnapshotService.MaxEntities} entity ids; omit it for every entity with values.")
            .Must(e => e.Distinct(StringComparer.Ordinal).Count() == e.Count).WithMessage("Each entity id once.")
            .When(x => x.EntityIds is not null);
        RuleForEach(x => x.EntityIds).NotEmpty().MaximumLength(256).WithMessage("An entity id is 1 to 256 characters.");
        RuleFor(x => x.CreatedBy).NotEmpty().MaximumLength(100).When(x => x.CreatedBy is not null);
    }
}

/// <summary>usage_timestamp may be at most <see cref="UsageService.ClockSkew"/> ahead of the server's clock, as for feature usage.</summary>
public sealed class RecordSnapshotUsageValidator : AbstractValidator<RecordSnapshotUsageRequest>
{
    public RecordSnapshotUsageValidator(TimeProvider clock)
    {
        RuleFor(x => x.UsedByModel).NotEmpty().MaximumLength(200);
        RuleFor(x => x.ModelVersion).NotEmpty().MaximumLength(100);
        RuleFor(x => x.Environment).NotNull().IsInEnum();
        RuleFor(x => x.ExecutionId).NotEmpty().MaximumLength(200);
        RuleFor(x => x.UsageTimestamp).LessThanOrEqualTo(_ => UsageService.Latest(clock))
            .WithMessage($"usage_timestamp cannot be in the future (the server's clock allows {UsageService.ClockSkew.TotalMinutes:0} minutes of skew).");
    }
}
