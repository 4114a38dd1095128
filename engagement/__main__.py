from engagement.cli import main

raise SystemExit(main())
