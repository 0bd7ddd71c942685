namespace Registry.Core.Common;

public static class Paging
{
    /// <summary>The bounds every list shares: skip 0 or more, limit 1 to <paramref name="maxLimit"/>. Callers add their own and throw once.</summary>
    public static Dictionary<string, string[]> Errors(int skip, int limit, int maxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        if (skip < 0) errors["skip"] = ["skip must be 0 or more."];
        if (limit < 1 || limit > maxLimit) errors["limit"] = [$"limit must be between 1 and {maxLimit}."];
        return errors;
    }
}
