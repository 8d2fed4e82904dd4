from hook.main import main

raise SystemExit(main())
