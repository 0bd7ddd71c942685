namespace Registry.Benchmarks;

/// <summary>docs/benchmarks.md: each benchmark owns the text between its two markers and leaves the rest of the file alone.</summary>
internal static class BenchmarkDocs
{
    /// <summary>
    /// Replaces the text between <paramref name="beginMarker"/> and <paramref name="endMarker"/> with
    /// <paramref name="section"/>, or appends the markers and the section when the file has none yet; returns the path.
    /// </summary>
    public static string WriteSection(string beginMarker, string endMarker, string section)
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "benchmarks.md");
        var block = $"{beginMarker}\n{section}\n{endMarker}";
        string text;
        if (!File.Exists(path))
        {
            text = $"""
                # Benchmarks

                ```sh
                {HarnessOptions.Command}
                ```

                The command above, run from the repository root, produced the section below.
                `{HarnessOptions.Command} -- --smoke` runs the same harness on small data in about a minute
                and only prints it.

                {block}

                """;
        }
        else
        {
            text = File.ReadAllText(path).ReplaceLineEndings("\n");
            var begin = text.IndexOf(beginMarker, StringComparison.Ordinal);
            var end = text.IndexOf(endMarker, StringComparison.Ordinal);
            text = begin >= 0 && end > begin
                ? string.Concat(text.AsSpan(0, begin), block, text.AsSpan(end + endMarker.Length))
                : text.TrimEnd('\n') + "\n\n" + block + "\n";
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The folder holding Registry.sln, above the build output (or the working directory).</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Registry.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("Registry.sln not found above the benchmark's output folder or the working directory.");
    }
}
