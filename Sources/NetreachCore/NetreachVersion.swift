/// The version of this Netreach build, shown by `--version` on both executables.
public enum NetreachVersion {
    public static let current = "0.1.0"
}
