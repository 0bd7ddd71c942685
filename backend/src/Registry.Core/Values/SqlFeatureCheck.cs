using Registry.Core.Common;
using Registry.Core.Features;

namespace Registry.Core.Values;

/// <summary>
/// The check every SQL feature passes when it is registered, versioned, re-wired, materialized or exposed (ADR 0019):
/// one SELECT that reads only its declared upstream features, by name. The value store's engine checks the parse
/// tree; this adds the registry's rule (declared upstream) and turns a refusal into a 422 naming what is wrong.
/// </summary>
public sealed class SqlFeatureCheck(IValueStore values)
{
    /// <summary>Nothing to check unless <paramref name="transformation"/> is SQL.</summary>
    public async Task CheckAsync(Transformation? transformation, IReadOnlyList<string> declaredUpstream, CancellationToken ct)
    {
        if (transformation is { TransformationType: TransformationType.Sql } sql) await CheckAsync(sql.Code, declaredUpstream, ct);
    }

    public async Task<SqlReferences> CheckAsync(string sql, IReadOnlyList<string> declaredUpstream, CancellationToken ct)
    {
        var refs = await values.AnalyzeSqlAsync(sql, ct);
        if (refs.Error is { } error)
            throw new RuleViolationException("The SQL cannot be run.", error)
            {
                Extensions = new Dictionary<string, object?> { ["field"] = "transformation.code" },
            };
        var undeclared = refs.Tables.Where(t => !declaredUpstream.Contains(t)).ToList();
        if (undeclared.Count > 0)
            throw new RuleViolationException("The SQL reads features that are not declared upstream.",
                $"Declare them in upstream_features so lineage stays true, or remove them from the SQL: {string.Join(", ", undeclared)}.")
            {
                Extensions = new Dictionary<string, object?> { ["undeclared_upstream"] = undeclared, ["upstream_features"] = declaredUpstream },
            };
        return refs;
    }
}
